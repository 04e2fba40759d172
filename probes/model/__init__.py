"""The data model: pydantic models of the catalog, the implementations and the reports, and the rules
of what a report may publish. Imports nothing else of aioc."""

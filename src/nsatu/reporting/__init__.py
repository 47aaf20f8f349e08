"""Reports: figures computed from the records (and the published tracker data), the same in the
API, the CLI, the pages and the exports."""

"""Index mappings of the Elasticsearch/OpenSearch engine (JSON files; a package so that they are installed)."""

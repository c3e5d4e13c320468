"""Reading input files into the warehouse: readers, header aliases, parsing, quarantine."""

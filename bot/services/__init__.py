"""Services tie the OCR client, the domain rules and storage together for every entry point."""

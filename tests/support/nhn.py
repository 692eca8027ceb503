"""A contract fake of the NHN Cloud Document OCR API (filled in by the OCR client work)."""

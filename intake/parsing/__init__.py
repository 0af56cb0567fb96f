"""Step 3, parse: stored attachments read into documents by `parsers`, and the OCR engine made once per process."""

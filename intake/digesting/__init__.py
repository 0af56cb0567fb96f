"""Step 7, digest: per office and day, the HTML digest and the xlsx registry (台账), made once."""

"""The 6-monthly/annual CCHC publicity report (DOCX, XLSX, HTML) and the archive of aired months."""

-- The date on the cooperative's NIK certificate (optional, asked at registration and in /profil):
-- the obligation calendar counts the certificate's renewal from it.
ALTER TABLE cooperatives ADD COLUMN nik_certificate_date TEXT;  -- ISO date or NULL

"""Fixed domain lists (from shared/domain/cooperatives-facts.md). Display labels live in
templates/*/labels.j2; these are the stored values."""
from __future__ import annotations

KECAMATAN: tuple[str, ...] = (
    "Setu", "Serang Baru", "Cikarang Pusat", "Cikarang Selatan", "Cibarusah", "Bojongmangu",
    "Cikarang Timur", "Kedungwaringin", "Cikarang Utara", "Karangbahagia", "Cibitung",
    "Cikarang Barat", "Tambun Selatan", "Tambun Utara", "Babelan", "Tarumajaya", "Tambelang",
    "Sukawangi", "Sukatani", "Sukakarya", "Pebayuran", "Cabangbungin", "Muaragembong",
)

INDUSTRIAL_ESTATES: tuple[str, ...] = (
    "MM2100", "Jababeka", "Lippo Cikarang", "GIIC (Deltamas)", "EJIP", "Hyundai",
    "Bekasi Fajar (BFIE)", "Delta Silicon", "BIIE", "Gobel", "lainnya",
)

COOPERATIVE_KINDS: tuple[str, ...] = (
    "karyawan", "simpan_pinjam", "serba_usaha", "konsumen", "produsen", "jasa", "lainnya",
)

MANAGER_ROLES: tuple[str, ...] = ("ketua", "sekretaris", "bendahara", "pengawas", "manajer")

# Kinds that run a savings-and-loans business and so take the financial health check.
SAVINGS_AND_LOANS_KINDS = frozenset({"simpan_pinjam", "karyawan", "serba_usaha"})

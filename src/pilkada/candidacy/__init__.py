"""Candidacy: candidate pairs (paslon), independent support and its verification (vermin,
verfak, perbaikan), cek NIK dukungan with objections, and Bawaslu's oversight."""

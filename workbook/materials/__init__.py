"""Reading a declaration's supporting documents (invoices, settlement statements, contracts) from its
materials folder: untrusted files, read with limits, into ``xlmv.evidence`` models."""

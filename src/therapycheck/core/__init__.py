"""The domain: pure Python. No Django, no database, no network.

Clinical knowledge lives in data files beside the code (instruments, question bank,
factor rules, modality map, crisis resources), each validated on load and each number
carrying its source.
"""

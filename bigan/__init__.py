"""bigan (笔杆): material library, phrase search, drafting and GB/T 9704 layout for official texts."""

__version__ = "0.1.0"

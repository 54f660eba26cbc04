import sys
from pathlib import Path

# Tests run from a checkout without installing the project.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

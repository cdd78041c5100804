"""Text helpers for names as French registers write them."""
import unicodedata


def fold(text: str) -> str:
    """Upper-case without accents or extra spaces: 'Éloïse  d'Arc' -> "ELOISE D'ARC"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.upper().split())


def search_name(last_name: str, first_name: str) -> str:
    return f"{fold(last_name)} {fold(first_name)}"

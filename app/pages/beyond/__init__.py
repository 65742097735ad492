"""Parts of /text where students act on attention: the what-if edit, the beam tree and the class quiz."""

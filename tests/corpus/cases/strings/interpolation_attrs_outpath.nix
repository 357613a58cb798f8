"${{ outPath = "custom"; }}"

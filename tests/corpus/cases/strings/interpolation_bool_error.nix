"flag: ${true}"

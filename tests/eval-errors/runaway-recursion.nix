let
  countDown = n: 1 + countDown (n - 1);
in
countDown 10

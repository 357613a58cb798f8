# A tiny library imported by corpus cases.
{
  double = x: x * 2;
  name = "lib";
  greet = who: "hello, ${who}";
}

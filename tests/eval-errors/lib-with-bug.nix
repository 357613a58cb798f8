{
  # Adds a number to a string by mistake.
  sizeInMiB = size: size + 1024;
}

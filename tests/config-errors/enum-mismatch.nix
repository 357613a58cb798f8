{
  disko.devices.disk.main = {
    device = "/dev/disk/by-id/ata-EXAMPLE";
    content = {
      type = "gpt";
      partitions.swap = {
        size = "8G";
        content = { type = "swap"; discardPolicy = "sometimes"; };
      };
    };
  };
}

set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/disk/by-diskseq/1
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-diskseq/1
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  destroy=1
  device=/dev/disk/by-diskseq/1
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-diskseq/1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=(defaults)
      mountpoint=/partition-root
      type=btrfs
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/" > /dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/" \
        -o defaults -o subvol=/rootfs \
        -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-diskseq/1
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-diskseq/1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=(defaults)
      mountpoint=/partition-root
      type=btrfs
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/.swapvol" > /dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/.swapvol" \
        -o defaults -o subvol=/swap \
        -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-diskseq/1
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-diskseq/1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-main-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-diskseq/1
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-diskseq/1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=(defaults)
      mountpoint=/partition-root
      type=btrfs
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/home" > /dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/home" \
        -o compress=zstd -o subvol=/home \
        -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-diskseq/1
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-diskseq/1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=(defaults)
      mountpoint=/partition-root
      type=btrfs
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/nix" > /dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/nix" \
        -o compress=zstd -o noatime -o subvol=/nix \
        -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-diskseq/1
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-diskseq/1
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-main-root
      declare -a extraArgs=(-f)
      declare -a mountOptions=(defaults)
      mountpoint=/partition-root
      type=btrfs
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-root" "/mnt/partition-root" > /dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-root" "/mnt/partition-root" \
        -o defaults \
        -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)


set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  device=tmpfs
  fsType=tmpfs
  declare -a mountOptions=('size=2G' defaults 'mode=755')
  mountpoint=/
  type=nodev
  
  if ! findmnt tmpfs "/mnt/" > /dev/null 2>&1; then
    mount -t tmpfs "tmpfs" "/mnt/" \
    -o size=2G -o defaults -o mode=755 \
    -o X-mount.mkdir
  fi
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L
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
  device=/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L
  imageName=main
  imageSize=2G
  name=main
  type=disk
  
  (
    device=/dev/disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K303456L
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-main-nix
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/nix
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-main-nix" "/mnt/nix" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-main-nix" "/mnt/nix" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)


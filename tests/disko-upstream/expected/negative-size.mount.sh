set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/disk/by-id/ata-disk0
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  (
    device=/dev/disk/by-id/ata-disk0
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  destroy=1
  device=/dev/disk/by-id/ata-disk0
  imageName=disk0
  imageSize=2G
  name=disk0
  type=disk
  
  (
    device=/dev/disk/by-id/ata-disk0
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-disk0-nix
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-disk0-nix" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-disk0-nix" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)


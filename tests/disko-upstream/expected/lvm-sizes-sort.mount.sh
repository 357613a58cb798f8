set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001
  imageName=one
  imageSize=2G
  name=one
  type=disk
  
  (
    device=/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  name=pool
  type=lvm_vg
  
  vgchange -a y
  
  
  
)


# and then mount the filesystems in dependency order
(
  name=pool
  type=lvm_vg
  
  (
    device=/dev/pool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/
    type=filesystem
    
    if ! findmnt "/dev/pool/root" "/mnt/" >/dev/null 2>&1; then
      mount "/dev/pool/root" "/mnt/" \
        -t "ext4" \
        -o defaults \
        -o X-mount.mkdir
    fi
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001
  imageName=one
  imageSize=2G
  name=one
  type=disk
  
  (
    device=/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-one-boot
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-one-boot" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-one-boot" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  name=pool
  type=lvm_vg
  
  (
    device=/dev/pool/home
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/home
    type=filesystem
    
    if ! findmnt "/dev/pool/home" "/mnt/home" >/dev/null 2>&1; then
      mount "/dev/pool/home" "/mnt/home" \
        -t "ext4" \
        -o defaults \
        -o X-mount.mkdir
    fi
    
    
  )
  
  
)


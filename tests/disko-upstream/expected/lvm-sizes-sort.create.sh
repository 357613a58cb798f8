set -efux

disko_devices_dir=$(mktemp -d)
trap 'rm -rf "$disko_devices_dir"' EXIT
mkdir -p "$disko_devices_dir"

( # disk one /dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001   #
  destroy=1
  device=/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001
  imageName=one
  imageSize=2G
  name=one
  type=disk
  
  ( # gpt  /dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001   #
    device=/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001
    efiGptPartitionFirst=1
    type=gpt
    
    if ! blkid "/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001" >&2; then
      sgdisk --clear "/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001"
    fi
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=1:0:+500M \
     --partition-guid="1:R" \
    --change-name="1:disk-one-boot" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001" \
    
    then
      sgdisk --partition-guid="1:R" \
    --change-name="1:disk-one-boot" \
    --typecode=1:EF00 \
    --attributes=1:=:0 \
     \
    "/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    # try to create the partition, if it fails, try to change the type and name
    if ! sgdisk --align-end  \
    --new=2:0:-0 \
     --partition-guid="2:R" \
    --change-name="2:disk-one-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001" \
    
    then
      sgdisk --partition-guid="2:R" \
    --change-name="2:disk-one-primary" \
    --typecode=2:8300 \
    --attributes=2:=:0 \
     \
    "/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001" \
    
    fi
    # ensure /dev/disk/by-path/..-partN exists before continuing
    partprobe "/dev/disk/by-id/ata-VMware_Virtual_SATA_CDRW_Drive_00000000000000000001" || : # sometimes partprobe fails, but the partitions are still up2date
    udevadm trigger --subsystem-match=block
    udevadm settle --timeout 120
    
    
    
    
    
    ( # filesystem  /dev/disk/by-partlabel/disk-one-boot vfat /boot #
      device=/dev/disk/by-partlabel/disk-one-boot
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! (blkid "/dev/disk/by-partlabel/disk-one-boot" | grep -q 'TYPE='); then
        mkfs.vfat \
           \
          "/dev/disk/by-partlabel/disk-one-boot"
      fi
      
      
    )
    
    ( # lvm_pv  /dev/disk/by-partlabel/disk-one-primary   #
      device=/dev/disk/by-partlabel/disk-one-primary
      type=lvm_pv
      vg=pool
      
      if ! (blkid "/dev/disk/by-partlabel/disk-one-primary" | grep -q 'TYPE='); then
        pvcreate "/dev/disk/by-partlabel/disk-one-primary"
      fi
      echo "/dev/disk/by-partlabel/disk-one-primary" >>"$disko_devices_dir"/lvm_pool
      
      
    )
    
    
    
    
  )
  
  
)
( # lvm_vg pool    #
  name=pool
  type=lvm_vg
  
  modprobe "dm-snapshot"
  readarray -t lvm_devices < <(cat "$disko_devices_dir"/lvm_pool)
  if ! vgdisplay "pool" >/dev/null; then
    vgcreate "pool" \
      "${lvm_devices[@]}"
  fi
  if ! lvdisplay "pool/aaa"; then
    lvcreate \
      --yes \
      -L \
        1M \
      -n "aaa" \
       \
       \
       \
      "pool"
  fi
  if ! lvdisplay "pool/root"; then
    lvcreate \
      --yes \
      -L \
        100M \
      -n "root" \
       \
       \
       \
      "pool"
  fi
  if ! lvdisplay "pool/zzz"; then
    lvcreate \
      --yes \
      -L \
        1M \
      -n "zzz" \
       \
       \
       \
      "pool"
  fi
  if ! lvdisplay "pool/home"; then
    lvcreate \
      --yes \
      -l \
        100%FREE \
      -n "home" \
       \
       \
       \
      "pool"
  fi
  
  
  
  ( # filesystem  /dev/pool/root ext4 / #
    device=/dev/pool/root
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/
    type=filesystem
    
    if ! (blkid "/dev/pool/root" | grep -q 'TYPE='); then
      mkfs.ext4 \
         \
        "/dev/pool/root"
    fi
    
    
  )
  
  
  ( # filesystem  /dev/pool/home ext4 /home #
    device=/dev/pool/home
    declare -a extraArgs=()
    format=ext4
    declare -a mountOptions=(defaults)
    mountpoint=/home
    type=filesystem
    
    if ! (blkid "/dev/pool/home" | grep -q 'TYPE='); then
      mkfs.ext4 \
         \
        "/dev/pool/home"
    fi
    
    
  )
  
  
  
  
)


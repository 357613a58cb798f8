set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/sda
  imageName=a
  imageSize=2G
  name=a
  type=disk
  
  (
    device=/dev/sda
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sdb
  imageName=b
  imageSize=2G
  name=b
  type=disk
  
  (
    device=/dev/sdb
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a extraArgs=()
  level=1
  metadata=default
  name=raid1
  type=mdadm
  
  (
    declare -a additionalKeyFiles=()
    askPassword=''
    device=/dev/md/raid1
    declare -a extraFormatArgs=()
    declare -a extraOpenArgs=()
    initrdUnlock=1
    keyFile=''
    name=crypted
    passwordFile=''
    declare -A settings=([keyFile]=/tmp/secret.key)
    type=luks
    
    if ! cryptsetup status "crypted" >/dev/null 2>/dev/null; then
      
      cryptsetup open "/dev/md/raid1" "crypted" \
       \
       \
       \
      --key-file /tmp/secret.key \
     \
     \
     \
    
    fi
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  declare -a extraArgs=()
  level=1
  metadata=default
  name=raid1
  type=mdadm
  
  (
    declare -a additionalKeyFiles=()
    askPassword=''
    device=/dev/md/raid1
    declare -a extraFormatArgs=()
    declare -a extraOpenArgs=()
    initrdUnlock=1
    keyFile=''
    name=crypted
    passwordFile=''
    declare -A settings=([keyFile]=/tmp/secret.key)
    type=luks
    
    (
      device=/dev/mapper/crypted
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/
      type=filesystem
      
      if ! findmnt "/dev/mapper/crypted" "/mnt/" >/dev/null 2>&1; then
        mount "/dev/mapper/crypted" "/mnt/" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a extraArgs=()
  level=1
  metadata=1.0
  name=boot
  type=mdadm
  
  (
    device=/dev/md/boot
    declare -a extraArgs=()
    format=vfat
    declare -a mountOptions=('umask=0077')
    mountpoint=/boot
    type=filesystem
    
    if ! findmnt "/dev/md/boot" "/mnt/boot" >/dev/null 2>&1; then
      mount "/dev/md/boot" "/mnt/boot" \
        -t "vfat" \
        -o 'umask=0077' \
        -o X-mount.mkdir
    fi
    
    
  )
  
  
)


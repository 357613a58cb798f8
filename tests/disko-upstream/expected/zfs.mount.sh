set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/sdx
  imageName=x
  imageSize=2G
  name=x
  type=disk
  
  (
    device=/dev/sdx
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sdy
  imageName=y
  imageSize=2G
  name=y
  type=disk
  
  (
    device=/dev/sdy
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=([cachefile]=none)
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  zpool list "zroot" >/dev/null 2>/dev/null ||
    zpool import -l -R /mnt "zroot"
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=''
    name=encrypted
    declare -A options=([encryption]=aes-256-gcm [keyformat]=passphrase [keylocation]=file:///tmp/secret.key [mountpoint]=none)
    type=zfs_fs
    
    if [ "$(zfs get keystatus zroot/encrypted -H -o value)" == "unavailable" ]; then
      zfs load-key zroot/encrypted
    fi
    
    
  )
  (
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_encryptedvolume
    declare -A options=([encryption]=aes-256-gcm [keyformat]=passphrase [keylocation]=file:///tmp/secret.key)
    size=10M
    type=zfs_volume
    
    if [ "$(zfs get keystatus zfs_encryptedvolume -H -o value)" == "unavailable" ]; then
      zfs load-key zfs_encryptedvolume
    fi
    
    
    
    
    
  )
  (
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_volume
    declare -A options=()
    size=10M
    type=zfs_volume
    
    
    
    
    
    
  )
  (
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_volume_no_content
    declare -A options=()
    size=10M
    type=zfs_volume
    
    
    
    
    
    
  )
  
  
  
)


# and then mount the filesystems in dependency order
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=([cachefile]=none)
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/
    name=__root
    declare -A options=([com.sun:auto-snapshot]=false [compression]=zstd)
    type=zfs_fs
    
    if ! findmnt zroot "/mnt/" >/dev/null 2>&1; then
      mount zroot "/mnt/" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/sdx
  imageName=x
  imageSize=2G
  name=x
  type=disk
  
  (
    device=/dev/sdx
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-x-ESP
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-x-ESP" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-x-ESP" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=([cachefile]=none)
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_volume
    declare -A options=()
    size=10M
    type=zfs_volume
    
    (
      device=/dev/zvol/zroot/zfs_volume
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/ext4onzfs
      type=filesystem
      
      if ! findmnt "/dev/zvol/zroot/zfs_volume" "/mnt/ext4onzfs" >/dev/null 2>&1; then
        mount "/dev/zvol/zroot/zfs_volume" "/mnt/ext4onzfs" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=([cachefile]=none)
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a extraArgs=()
    declare -a mountOptions=(defaults)
    name=zfs_encryptedvolume
    declare -A options=([encryption]=aes-256-gcm [keyformat]=passphrase [keylocation]=file:///tmp/secret.key)
    size=10M
    type=zfs_volume
    
    (
      device=/dev/zvol/zroot/zfs_encryptedvolume
      declare -a extraArgs=()
      format=ext4
      declare -a mountOptions=(defaults)
      mountpoint=/ext4onzfsencrypted
      type=filesystem
      
      if ! findmnt "/dev/zvol/zroot/zfs_encryptedvolume" "/mnt/ext4onzfsencrypted" >/dev/null 2>&1; then
        mount "/dev/zvol/zroot/zfs_encryptedvolume" "/mnt/ext4onzfsencrypted" \
          -t "ext4" \
          -o defaults \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=([cachefile]=none)
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_crypted
    name=encrypted/test
    declare -A options=()
    type=zfs_fs
    
    if ! findmnt zroot/encrypted/test "/mnt/zfs_crypted" >/dev/null 2>&1; then
      mount zroot/encrypted/test "/mnt/zfs_crypted" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=([cachefile]=none)
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_fs
    name=zfs_fs
    declare -A options=([com.sun:auto-snapshot]=true)
    type=zfs_fs
    
    if ! findmnt zroot/zfs_fs "/mnt/zfs_fs" >/dev/null 2>&1; then
      mount zroot/zfs_fs "/mnt/zfs_fs" \
        -o X-mount.mkdir \
        -o defaults \
        -o zfsutil \
        -t zfs
    fi
    
    
  )
  
  
)
(
  declare -a mountOptions=(defaults)
  mountpoint=/
  name=zroot
  declare -A options=([cachefile]=none)
  declare -A rootFsOptions=([com.sun:auto-snapshot]=false [compression]=zstd)
  type=zpool
  
  (
    declare -a mountOptions=(defaults)
    mountpoint=/zfs_legacy_fs
    name=zfs_legacy_fs
    declare -A options=([mountpoint]=legacy)
    type=zfs_fs
    
    if ! findmnt zroot/zfs_legacy_fs "/mnt/zfs_legacy_fs" >/dev/null 2>&1; then
      mount zroot/zfs_legacy_fs "/mnt/zfs_legacy_fs" \
        -o X-mount.mkdir \
        -o defaults \
         \
        -t zfs
    fi
    
    
  )
  
  
)


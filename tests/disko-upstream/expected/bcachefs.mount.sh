set -efux
# first create the necessary devices
(
  destroy=1
  device=/dev/vdb
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdc
  imageName=vdc
  imageSize=2G
  name=vdc
  type=disk
  
  (
    device=/dev/vdc
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vdd
  imageName=vdd
  imageSize=2G
  name=vdd
  type=disk
  
  (
    device=/dev/vdd
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)
(
  destroy=1
  device=/dev/vde
  imageName=vde
  imageSize=2G
  name=vde
  type=disk
  
  (
    device=/dev/vde
    efiGptPartitionFirst=1
    type=gpt
    
    
    
  )
  
  
)


# and then mount the filesystems in dependency order
(
  declare -a extraFormatArgs=('--compression=lz4' '--background_compression=lz4')
  declare -a mountOptions=(X-mount.mkdir)
  mountpoint=''
  name=mounted_subvolumes_in_multi
  passwordFile=/tmp/secret.key
  type=bcachefs_filesystem
  uuid=88d9c058-757d-c06e-0fb7-a612f2db8a7a
  
  if ! findmnt "/mnt/" >&2 2>&1; then
    # @todo Figure out why the "X-mount.mkdir" option here doesn't seem to work,
    # necessitating running `mkdir` here.
    mkdir -p "/mnt/";
    bcachefs unlock -k session "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" < "/tmp/secret.key";
    mount \
      -t bcachefs \
      -o "X-mount.mkdir,X-mount.subdir=subvolumes/root,verbose" \
      "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
      "/mnt/";
  fi;
  
  
)
(
  destroy=1
  device=/dev/vdb
  imageName=vdb
  imageSize=2G
  name=vdb
  type=disk
  
  (
    device=/dev/vdb
    efiGptPartitionFirst=1
    type=gpt
    
    (
      device=/dev/disk/by-partlabel/disk-vdb-vdb1
      declare -a extraArgs=()
      format=vfat
      declare -a mountOptions=('umask=0077')
      mountpoint=/boot
      type=filesystem
      
      if ! findmnt "/dev/disk/by-partlabel/disk-vdb-vdb1" "/mnt/boot" >/dev/null 2>&1; then
        mount "/dev/disk/by-partlabel/disk-vdb-vdb1" "/mnt/boot" \
          -t "vfat" \
          -o 'umask=0077' \
          -o X-mount.mkdir
      fi
      
      
    )
    
    
  )
  
  
)
(
  declare -a extraFormatArgs=('--compression=lz4' '--background_compression=lz4')
  declare -a mountOptions=(X-mount.mkdir)
  mountpoint=''
  name=mounted_subvolumes_in_multi
  passwordFile=/tmp/secret.key
  type=bcachefs_filesystem
  uuid=88d9c058-757d-c06e-0fb7-a612f2db8a7a
  
  if ! findmnt "/mnt/home" >&2 2>&1; then
    # @todo Figure out why the "X-mount.mkdir" option here doesn't seem to work,
    # necessitating running `mkdir` here.
    mkdir -p "/mnt/home";
    bcachefs unlock -k session "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" < "/tmp/secret.key";
    mount \
      -t bcachefs \
      -o "X-mount.mkdir,X-mount.subdir=subvolumes/home" \
      "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
      "/mnt/home";
  fi;
  
  
)
(
  declare -a extraFormatArgs=()
  declare -a mountOptions=(X-mount.mkdir)
  mountpoint=/home/Documents
  name=relies_on_external_subvolume
  passwordFile=''
  type=bcachefs_filesystem
  uuid=64e50034-ebe2-eaf8-1f93-cf56266a8d86
  
  if ! findmnt "/mnt/home/Documents" >&2 2>&1; then
    # @todo Figure out why the "X-mount.mkdir" option here doesn't seem to work,
    # necessitating running `mkdir` here.
    mkdir -p "/mnt/home/Documents";
    
    mount \
      -t bcachefs \
      -o "X-mount.mkdir" \
      "/dev/disk/by-uuid/64e50034-ebe2-eaf8-1f93-cf56266a8d86" \
      "/mnt/home/Documents";
  fi;
  
  
)
(
  declare -a extraFormatArgs=('--compression=lz4' '--background_compression=lz4')
  declare -a mountOptions=(X-mount.mkdir)
  mountpoint=''
  name=mounted_subvolumes_in_multi
  passwordFile=/tmp/secret.key
  type=bcachefs_filesystem
  uuid=88d9c058-757d-c06e-0fb7-a612f2db8a7a
  
  if ! findmnt "/mnt/nix" >&2 2>&1; then
    # @todo Figure out why the "X-mount.mkdir" option here doesn't seem to work,
    # necessitating running `mkdir` here.
    mkdir -p "/mnt/nix";
    bcachefs unlock -k session "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" < "/tmp/secret.key";
    mount \
      -t bcachefs \
      -o "X-mount.mkdir,X-mount.subdir=subvolumes/nix" \
      "/dev/disk/by-uuid/88d9c058-757d-c06e-0fb7-a612f2db8a7a" \
      "/mnt/nix";
  fi;
  
  
)


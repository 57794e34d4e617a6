# The devices xprime's guests use and nothing else, for QEMU's
# configure --without-default-devices --with-devices-x86_64=xprime:
# about a fifth fewer objects to build than the default device set.
CONFIG_Q35=y
CONFIG_VMWARE_VGA=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_GPU=y
CONFIG_VIRTIO_9P=y
# The guest's userland: a read-only image of the sid root.
CONFIG_VIRTIO_BLK=y

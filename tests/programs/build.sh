#!/bin/sh
# build.sh OUTDIR - compile the whole-program tests for the guests (68000,
# PowerPC 750 and i386 ELF files: P.ISA.elf run in supervisor mode,
# P.user.ISA.elf in user mode) and for the host (the expected console
# output). Needs gcc-m68k-linux-gnu and gcc-powerpc-linux-gnu (make deps
# installs them); the i386 programs are built by the host's gcc -m32
# -march=i386 -ffreestanding -c and ld -m elf_i386 (no multilib needed).
# OUTDIR/stamp marks a complete build: when it is newer than every file of
# tests/programs, nothing is done. `make test` runs this first (the Makefile's
# test-programs rule), for test_vmm, test_ppc_virt and tests/programs.sh.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
if [ -f "$out/stamp" ] && [ -z "$(find "$here" -newer "$out/stamp")" ]; then exit 0; fi
rm -f "$out/stamp"
LDOPT="-fno-pie -no-pie -static -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -Wl,--build-id=none"
for p in sieve sort checksum fib; do
  m68k-linux-gnu-gcc -m68000 -O2 -ffreestanding -nostdlib -fno-builtin -DVLAB_GUEST \
    -DVLAB_CONSOLE=0x00DFF000 $LDOPT -T "$here/link_m68k.ld" \
    -o "$out/$p.m68k.elf" "$here/crt0_m68k.S" "$here/$p.c" "$here/libgcc68k.c"
  powerpc-linux-gnu-gcc -mcpu=750 -msoft-float -O2 -ffreestanding -nostdlib -fno-builtin \
    -DVLAB_GUEST -DVLAB_CONSOLE=0xF0000000 $LDOPT -T "$here/link_ppc.ld" \
    -o "$out/$p.ppc.elf" "$here/crt0_ppc.S" "$here/$p.c" -lgcc
  gcc -m32 -march=i386 -O2 -ffreestanding -fno-builtin -fno-pie -fno-stack-protector \
    -fno-asynchronous-unwind-tables -DVLAB_GUEST -DVLAB_CONSOLE=0xFE000000 -c -o "$out/$p.x86.o" "$here/$p.c"
  as --32 -o "$out/crt0_x86.o" "$here/crt0_x86.S"
  ld -m elf_i386 -z noexecstack --no-warn-rwx-segments --build-id=none -T "$here/link_x86.ld" \
    -o "$out/$p.x86.elf" "$out/crt0_x86.o" "$out/$p.x86.o"
  cc -O2 -o "$out/$p.host" "$here/$p.c"
  "$out/$p.host" > "$out/$p.expected" || true  # main returns a result, not a status
  # the user-mode variants (P.user.ISA.elf): the same program run in user
  # mode under a minimal guest kernel (crt0_user_*.S), for the user-heavy
  # benchmark of `make bench` and tests/programs.sh
  m68k-linux-gnu-gcc -m68000 -O2 -ffreestanding -nostdlib -fno-builtin -DVLAB_GUEST \
    -DVLAB_CONSOLE=0x00DFF000 $LDOPT -T "$here/link_m68k.ld" \
    -o "$out/$p.user.m68k.elf" "$here/crt0_user_m68k.S" "$here/$p.c" "$here/libgcc68k.c"
  powerpc-linux-gnu-gcc -mcpu=750 -msoft-float -O2 -ffreestanding -nostdlib -fno-builtin \
    -DVLAB_GUEST -DVLAB_CONSOLE=0xF0000000 $LDOPT -T "$here/link_ppc.ld" \
    -o "$out/$p.user.ppc.elf" "$here/crt0_user_ppc.S" "$here/$p.c" -lgcc
  as --32 -o "$out/crt0_user_x86.o" "$here/crt0_user_x86.S"
  ld -m elf_i386 -z noexecstack --no-warn-rwx-segments --build-id=none -T "$here/link_x86.ld" \
    -o "$out/$p.user.x86.elf" "$out/crt0_user_x86.o" "$out/$p.x86.o"
done
touch "$out/stamp"

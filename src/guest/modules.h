/* guest/modules.h - the guest's mechanism modules, one line each, in the
 * order the core initialises them and walks their registrations (e.g. the
 * `handled` completions: smp, net, blk).  A new mechanism adds its line
 * here and defines `const vl_gmod vl_gmod_<name>` in its own file
 * (guest/module.h; docs/guest-model.md, "Adding a guest mechanism"). */
#ifndef VL_GUEST_MODULES_H
#define VL_GUEST_MODULES_H

#define VL_GUEST_MODULES(M) \
    M(smp)                  \
    M(tlb)                  \
    M(rqlock)               \
    M(sync)                 \
    M(process)              \
    M(gnet)                 \
    M(socket)               \
    M(gblk)                 \
    M(hotplug)              \
    M(balance)

#define VL_GMOD_ID(name) VL_GMOD_##name,
enum { VL_GUEST_MODULES(VL_GMOD_ID) VL_GMODS };
#undef VL_GMOD_ID

#endif

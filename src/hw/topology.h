/* hw/topology.h - where a pCPU sits (socket, core, SMT thread) and how far
 * apart two pCPUs are, for placement decisions and the migration penalty. */
#ifndef VL_HW_TOPOLOGY_H
#define VL_HW_TOPOLOGY_H

typedef struct vl_cpu_place {
    int socket, core, thread; /* core ids are unique host-wide */
} vl_cpu_place;

/* pCPU ids are laid out socket-major, then core, then thread. */
vl_cpu_place vl_topology_place(int cpu, int cores_per_socket, int threads_per_core);

typedef enum vl_cpu_distance {
    VL_DIST_SAME = 0,   /* the same pCPU                  */
    VL_DIST_SMT,        /* SMT siblings: share L1/L2       */
    VL_DIST_SOCKET,     /* same socket: share the LLC      */
    VL_DIST_REMOTE,     /* another socket                  */
} vl_cpu_distance;

vl_cpu_distance vl_topology_distance(vl_cpu_place a, vl_cpu_place b);

#endif

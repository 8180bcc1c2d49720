/* hw/topology.c - pCPU placement and distance. */
#include "hw/topology.h"

vl_cpu_place vl_topology_place(int cpu, int cores_per_socket, int threads_per_core)
{
    int per_socket = cores_per_socket * threads_per_core;
    vl_cpu_place p;
    p.socket = cpu / per_socket;
    p.core = cpu / threads_per_core;
    p.thread = cpu % threads_per_core;
    return p;
}

vl_cpu_distance vl_topology_distance(vl_cpu_place a, vl_cpu_place b)
{
    if (a.core == b.core)
        return a.thread == b.thread ? VL_DIST_SAME : VL_DIST_SMT;
    return a.socket == b.socket ? VL_DIST_SOCKET : VL_DIST_REMOTE;
}

/* barrier.c - barrier-heavy toy (streamcluster/fluidanimate-like phases).
 * Build: gcc -O2 -fopenmp -pthread barrier.c -o barrier
 * Run:   ./barrier MODE THREADS ITERS WORK_US
 *   MODE omp  : OpenMP for-loop + implicit barrier per iteration
 *               (set OMP_WAIT_POLICY=passive|active to control spinning)
 *   MODE pth  : pthread_barrier_wait per iteration (futex-based, always blocks)
 * Each thread does WORK_US microseconds of arithmetic between barriers. */
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static volatile double sink;
static long spins_per_us;
static void work(long us){double x=1.0;for(long i=0;i<us*spins_per_us;i++)x=x*1.0000001+1e-9;sink=x;}
static int T,N; static long W; static pthread_barrier_t B;
static void *pth(void*a){(void)a;for(int i=0;i<N;i++){work(W);pthread_barrier_wait(&B);}return 0;}
int main(int c,char**v){
  if(c<5){fprintf(stderr,"usage: %s omp|pth THREADS ITERS WORK_US\n",v[0]);return 2;}
  T=atoi(v[2]);N=atoi(v[3]);W=atol(v[4]);
  double t0=now(); spins_per_us=1000; work(10000); spins_per_us=(long)(1000*0.01/(now()-t0)); if(spins_per_us<1)spins_per_us=1;
  t0=now();
  if(!strcmp(v[1],"omp")){
    #pragma omp parallel num_threads(T)
    for(int i=0;i<N;i++){work(W);
      #pragma omp barrier
    }
  } else {
    pthread_t th[64]; pthread_barrier_init(&B,0,T);
    for(int i=0;i<T;i++)pthread_create(&th[i],0,pth,0);
    for(int i=0;i<T;i++)pthread_join(th[i],0);
  }
  double dt=now()-t0; printf("%s T=%d iters=%d work=%ldus: %.3f s, %.0f barriers/s\n",v[1],T,N,W,dt,N/dt);
  return 0;}

/* shoot.c - TLB-shootdown microbenchmark (munmap-like op of the vcpulab model).
 * Build: gcc -O2 -pthread shoot.c -o shoot
 * Run:   ./shoot SECONDS [PAGES] [SPINNER=1]
 * One thread loops mmap(PAGES*4K) / touch every page / munmap; with SPINNER=1 a
 * second thread of the same process spins in user space, so the mm is live on
 * the other CPU and every munmap needs a remote flush (IPI).  Prints ops/s and
 * the mean cost of one map+touch+unmap cycle. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
static volatile int stop; static volatile unsigned long sink;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void *spin(void *a){(void)a;unsigned long x=0;while(!stop)x++;sink=x;return 0;}
int main(int c,char**v){
  double secs=c>1?atof(v[1]):3; long pages=c>2?atol(v[2]):16; int sp=c>3?atoi(v[3]):1;
  pthread_t t; if(sp)pthread_create(&t,0,spin,0);
  long n=0; double t0=now(),end=t0+secs;
  while(now()<end){
    char *p=mmap(0,pages*4096,PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0);
    for(long i=0;i<pages;i++)p[i*4096]=1;
    munmap(p,pages*4096); n++;
  }
  double dt=now()-t0; stop=1; if(sp)pthread_join(t,0);
  printf("shoot: pages=%ld spinner=%d: %ld cycles, %.0f/s, %.2f us per map+touch+unmap\n",pages,sp,n,n/dt,dt/n*1e6);
  return 0;}

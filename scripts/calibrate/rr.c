/* rr.c - TCP request/response over loopback (ping / RPC-server-like).
 * Build: gcc -O2 -pthread rr.c -o rr
 * Run:   ./rr ROUNDTRIPS SERVER_WORK_US [MSG_BYTES]
 * A server thread answers each request after SERVER_WORK_US of compute;
 * the client thread waits (blocking recv) for each reply. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
static int N,SZ; static long W; static int lfd; static volatile double sink;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void work(long us){double t=now()+us*1e-6;double x=1;while(now()<t)x=x*1.0000001;sink=x;}
static void rd(int fd,char*b,int n){int g=0;while(g<n){int r=read(fd,b+g,n-g);if(r<=0)exit(1);g+=r;}}
static void *srv(void*a){(void)a;char b[65536];int fd=accept(lfd,0,0),one=1;setsockopt(fd,IPPROTO_TCP,TCP_NODELAY,&one,4);
  for(int i=0;i<N;i++){rd(fd,b,SZ);if(W)work(W);write(fd,b,SZ);}close(fd);return 0;}
int main(int c,char**v){
  if(c<3){fprintf(stderr,"usage: %s ROUNDTRIPS SERVER_WORK_US [MSG_BYTES]\n",v[0]);return 2;}
  N=atoi(v[1]);W=atol(v[2]);SZ=c>3?atoi(v[3]):64;
  struct sockaddr_in a={.sin_family=AF_INET,.sin_addr.s_addr=htonl(0x7f000001)};socklen_t l=sizeof a;
  lfd=socket(AF_INET,SOCK_STREAM,0);bind(lfd,(void*)&a,sizeof a);listen(lfd,1);getsockname(lfd,(void*)&a,&l);
  pthread_t t;pthread_create(&t,0,srv,0);
  int fd=socket(AF_INET,SOCK_STREAM,0),one=1;connect(fd,(void*)&a,sizeof a);setsockopt(fd,IPPROTO_TCP,TCP_NODELAY,&one,4);
  char b[65536]={0};double t0=now();
  for(int i=0;i<N;i++){write(fd,b,SZ);rd(fd,b,SZ);}
  double dt=now()-t0;pthread_join(t,0);
  printf("rr: %d round trips, %.1f us avg RTT, %.0f req/s\n",N,dt/N*1e6,N/dt);return 0;}

/* GET /api/v1/health — liveness for load balancers; no credential. */
#include "server.h"

void h_health(srv_req *r)
{
    jb_lit(&r->out, "{\"status\":\"ok\",\"version\":\"" KS_VERSION "\"}");
    r->status = 200;
}

#pragma once

// hiredis reply → Reply, shared by the synchronous RedisClient and the server's asynchronous
// connection so that both see Redis replies the same way (binary-safe strings, nested arrays).

#include "rw/control/redis_client.hpp"

struct redisReply;  // <hiredis/hiredis.h>; the header stays free of hiredis for its users

namespace rw::control {

Reply to_reply(const redisReply &reply);

}  // namespace rw::control

package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A script's redis.call that its caller's user may not make is logged in the ACL LOG in the
 * "lua" context (the refused command, key or channel, the caller's user and client), entry
 * for entry as redis-server logs it; redis.acl_check_cmd asks without logging.
 */
class ScriptAclTest {
    @Test
    void refusedCallsInsideScriptsAreLoggedInTheLuaContextAsRedisLogsThem() {
        try (RealRedis r = new RealRedis(); TestServer m = new TestServer()) {
            List<List<Object>> logs = new ArrayList<>();
            for (int port : new int[] {r.port(), m.port()}) {
                try (RespClient admin = new RespClient(port); RespClient c = new RespClient(port)) {
                    admin.call("ACL", "SETUSER", "lua-user", "on", ">pw", "+@all", "-set", "~k*", "&ch*");
                    c.call("AUTH", "lua-user", "pw");
                    c.call("EVAL", "return redis.call('set', 'k1', 'v')", "0");
                    c.call("EVAL", "return redis.pcall('get', 'other')", "0");
                    c.call("EVAL", "return redis.pcall('get', 'other')", "0");
                    c.call("EVAL", "return redis.call('publish', 'news', 'm')", "0");
                    c.call("EVAL", "return redis.acl_check_cmd('get', 'nope')", "0");
                    c.call("EVAL", "return redis.call('get', 'k1')", "0");
                    logs.add(AclTest.withoutVaryingFields(admin.call("ACL", "LOG").value()));
                }
            }
            assertThat(logs.get(1)).isEqualTo(logs.get(0));
            assertThat(logs.get(0)).hasSize(3);
            assertThat(logs.get(0).toString()).contains("context, lua").contains("object, other").contains("object, news");
        }
    }
}

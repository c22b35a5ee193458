package org.globalsessions.bench.webfarm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.params.SetParams;

import org.globalsessions.bench.e2e.RedisTarget;

/**
 * Redis over mutual TLS through Jedis, as the end-to-end benchmark's Redis TLS peer
 * ({@link RedisTarget#clientConfig}): a connection per app thread, one request in flight, a
 * login is {@code SET id value EX 1800}, a validation {@code GET}, a logout {@code DEL}.
 */
final class JedisBackend implements Backend {

    private final HostAndPort address;
    private final JedisClientConfig config;

    JedisBackend(int port, Path certs) {
        this.address = new HostAndPort("127.0.0.1", port);
        this.config = RedisTarget.clientConfig(certs);
    }

    @Override
    public Client connect() {
        Jedis jedis = new Jedis(address, config);
        jedis.ping();
        return new Client() {
            @Override
            public void login(String id, byte[] value, Duration ttl) {
                jedis.set(bytes(id), value, SetParams.setParams().ex(ttl.toSeconds()));
            }

            @Override
            public String validate(String id) {
                return jedis.get(bytes(id)) != null ? "redis" : null;
            }

            @Override
            public void logout(String id) {
                jedis.del(bytes(id));
            }

            @Override
            public void close() {
                jedis.close();
            }
        };
    }

    @Override
    public void close() {
    }

    private static byte[] bytes(String id) {
        return id.getBytes(StandardCharsets.UTF_8);
    }
}

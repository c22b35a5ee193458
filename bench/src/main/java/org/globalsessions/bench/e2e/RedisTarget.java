package org.globalsessions.bench.e2e;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;

/**
 * A Redis server on 127.0.0.1 through Jedis: one connection per client thread, one request in
 * flight per connection (no pipelining while measuring), {@code GET}/{@code SET} of the same keys
 * (UTF-8) and values as every other system. With {@code certs}, mutual TLS 1.3 with the
 * cluster's certificates (the server is started with {@code --tls-auth-clients yes}).
 */
public final class RedisTarget implements Target {

    private static final int PRELOAD_BATCH = 1_000;

    private final HostAndPort address;
    private final JedisClientConfig config;

    RedisTarget(int port, Path certs) {
        this.address = new HostAndPort("127.0.0.1", port);
        this.config = clientConfig(certs);
    }

    /** Jedis's settings: RESP2, a 10 s timeout and, with {@code certs}, mutual TLS 1.3 with those certificates. */
    public static JedisClientConfig clientConfig(Path certs) {
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder().resp2().timeoutMillis(10_000);
        if (certs != null) {
            PemTls.Stores stores = PemTls.stores(certs);
            // CA: the server's chain is verified against the cluster's CA; its host name is not (127.0.0.1).
            builder.sslOptions(SslOptions.builder().sslProtocol("TLSv1.3").sslVerifyMode(SslVerifyMode.CA)
                    .keystore(() -> new ByteArrayInputStream(stores.identity()), PemTls.PASSWORD)
                    .truststore(() -> new ByteArrayInputStream(stores.trust()), PemTls.PASSWORD).build());
        }
        return builder.build();
    }

    /** Empties the server and stores {@code keys} (pipelined: loading is not measured). */
    void load(String[] keys, byte[][] values) {
        try (Jedis jedis = new Jedis(address, config)) {
            jedis.flushAll();
            for (int from = 0; from < keys.length; from += PRELOAD_BATCH) {
                Pipeline pipeline = jedis.pipelined();
                for (int i = from; i < Math.min(keys.length, from + PRELOAD_BATCH); i++) {
                    pipeline.set(bytes(keys[i]), values[i % values.length]);
                }
                pipeline.sync();
            }
            long size = jedis.dbSize();
            if (size != keys.length) {
                throw new IllegalStateException("Redis on " + address + " holds " + size + " keys after loading " + keys.length);
            }
        }
    }

    @Override
    public Connection connect() {
        Jedis jedis = new Jedis(address, config);
        jedis.ping();
        return new Connection() {
            @Override
            public String get(String key) {
                return jedis.get(bytes(key)) != null ? "hit" : MISS;
            }

            @Override
            public void set(String key, byte[] value) {
                jedis.set(bytes(key), value);
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

    private static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}

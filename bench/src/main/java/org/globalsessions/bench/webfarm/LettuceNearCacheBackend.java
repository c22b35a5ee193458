package org.globalsessions.bench.webfarm;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;

import org.globalsessions.bench.e2e.PemTls;

/**
 * Redis with client-side caching, the near cache Lettuce offers: one RESP3 connection per app
 * process over mutual TLS 1.3 (the cluster's certificates, as the Jedis peer), {@code CLIENT
 * TRACKING on}, and {@link ClientSideCaching} over a {@link ConcurrentHashMap} that Redis's
 * invalidation pushes evict from. Every thread of the app shares the connection and the map.
 * A validation is the near cache's {@code get} (the map, else {@code GET} and keep the answer);
 * logins and logouts are {@code SET … EX 1800} and {@code DEL} on the same connection.
 *
 * <p>A validation says {@code near} when Lettuce's own look in the map found the session, else
 * {@code redis}: the map is wrapped to note its last answer in a thread-local (a few ns), so no
 * second lookup is timed.
 */
final class LettuceNearCacheBackend implements Backend, Backend.Client {

    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisCommands<String, byte[]> commands;
    private final Map<String, byte[]> near = new ConcurrentHashMap<>();
    /** Whether the calling thread's last look in {@link #near} found the session. */
    private final ThreadLocal<boolean[]> lastLookFound = ThreadLocal.withInitial(() -> new boolean[1]);
    private final CacheFrontend<String, byte[]> cache;

    LettuceNearCacheBackend(int port, Path certs) {
        PemTls.Stores stores = PemTls.stores(certs);
        SslOptions ssl = SslOptions.builder().jdkSslProvider().protocols("TLSv1.3").keyStoreType("PKCS12")
                .keystore(() -> new ByteArrayInputStream(stores.identity()), PemTls.PASSWORD)
                .truststore(() -> new ByteArrayInputStream(stores.trust()), PemTls.PASSWORD).build();
        // CA: the server's chain is verified against the cluster's CA; its host name is not (127.0.0.1).
        RedisURI uri = RedisURI.Builder.redis("127.0.0.1", port).withSsl(true).withVerifyPeer(SslVerifyMode.CA)
                .withTimeout(Duration.ofSeconds(10)).build();
        this.client = RedisClient.create(uri);
        try {
            client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP3).sslOptions(ssl).build());
            this.connection = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            this.commands = connection.sync();
            this.cache = ClientSideCaching.enable(noting(CacheAccessor.forMap(near)), connection, TrackingArgs.Builder.enabled());
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    @Override
    public Client connect() {
        return this;
    }

    @Override
    public void login(String id, byte[] value, Duration ttl) {
        commands.set(id, value, SetArgs.Builder.ex(ttl));
    }

    @Override
    public String validate(String id) {
        boolean[] found = lastLookFound.get();
        found[0] = false;
        return cache.get(id) == null ? null : found[0] ? "near" : "redis";
    }

    /** {@code map}, noting in {@link #lastLookFound} whether each {@code get} found its key. */
    private CacheAccessor<String, byte[]> noting(CacheAccessor<String, byte[]> map) {
        return new CacheAccessor<>() {
            @Override
            public byte[] get(String key) {
                byte[] value = map.get(key);
                lastLookFound.get()[0] = value != null;
                return value;
            }

            @Override
            public void put(String key, byte[] value) {
                map.put(key, value);
            }

            @Override
            public void evict(String key) {
                map.evict(key);
            }
        };
    }

    @Override
    public void logout(String id) {
        commands.del(id);
    }

    @Override
    public void close() {
        cache.close();
        connection.close();
        client.shutdown();
    }
}

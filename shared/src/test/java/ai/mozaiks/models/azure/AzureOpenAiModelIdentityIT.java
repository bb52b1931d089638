package ai.mozaiks.models.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.models.ChatModel;
import ai.mozaiks.models.ChatModelScenarios;
import ai.mozaiks.models.FakeChatServer;
import ai.mozaiks.models.TestTls;
import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The SDK provider signed in with an Entra identity. The SDK sends tokens over https only, so the
 * local server speaks TLS with a throw-away certificate the test's transport trusts.
 */
class AzureOpenAiModelIdentityIT extends ChatModelScenarios {
    private static TestTls tls;
    private final List<List<String>> scopesAsked = new CopyOnWriteArrayList<>();
    private final TokenCredential identity = request -> {
        scopesAsked.add(List.copyOf(request.getScopes()));
        return Mono.just(new AccessToken("entra-token-1", OffsetDateTime.now().plusHours(1)));
    };

    @BeforeAll
    static void certificate(@TempDir Path dir) throws Exception {
        tls = TestTls.selfSigned(dir);
    }

    @Override
    protected FakeChatServer startServer() throws Exception {
        return FakeChatServer.https(tls.serverContext());
    }

    @Override
    protected ChatModel model(Duration readTimeout) {
        AzureOpenAiSettings settings = new AzureOpenAiSettings(server.baseUrl(), null, null, null,
                Duration.ofSeconds(5), readTimeout);
        try {
            SslContext trust = SslContextBuilder.forClient().trustManager(tls.certificate()).build();
            HttpClient transport = new NettyAsyncHttpClientBuilder(reactor.netty.http.client.HttpClient.create()
                    .secure(spec -> spec.sslContext(trust)))
                    .responseTimeout(readTimeout)
                    .readTimeout(readTimeout)
                    .build();
            return new AzureOpenAiModel(settings, identity, transport, Clock.systemUTC());
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected String modelName() {
        return "my-deployment";
    }

    @Override
    protected void assertRouted(FakeChatServer.Recorded request, String requestId) {
        assertEquals("/openai/deployments/my-deployment/chat/completions", request.path());
        assertEquals("api-version=" + AzureOpenAiSettings.DEFAULT_API_VERSION, request.query());
        assertEquals("Bearer entra-token-1", request.header("authorization"));
        assertNull(request.header("api-key"));
        assertEquals(requestId, request.header("x-ms-client-request-id"));
        assertFalse(scopesAsked.isEmpty());
        assertTrue(scopesAsked.stream().allMatch(List.of(AzureOpenAiSettings.DEFAULT_SCOPE)::equals), scopesAsked.toString());
    }
}

import type { Context } from 'aws-lambda';
import type { HttpEvent } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { routeHandler } from '../../shared/http/route-handler';
import { ROUTE } from '../../shared/resources/routes';
import { currentIssuingCa } from '../../shared/signing/sealer';
import { issuerDocument, issuerJwks, publishedCrl, publishedStatusList } from '../../shared/signing/trust-material';

/**
 * Public, stable URLs of the seal's trust material (docs/signing.md): the issuer, its keys (JWKS), the issuing CA
 * certificate, its CRL, and the Bitstring Status List credentials the embedded credentials point at. The
 * certificates and CRL URLs are written into every container certificate (AIA, CRL distribution point). One function
 * serves the five routes.
 */
const maxAge = (seconds: number) => ({ 'cache-control': `public, max-age=${seconds}` });

const byRoute = {
  [`${ROUTE.issuer.method} ${ROUTE.issuer.path}`]: routeHandler(ROUTE.issuer, async () => ({
    status: 200,
    body: (await issuerDocument()) as never,
    headers: maxAge(300),
  })),
  [`${ROUTE.issuerJwks.method} ${ROUTE.issuerJwks.path}`]: routeHandler(ROUTE.issuerJwks, async () => ({
    status: 200,
    body: (await issuerJwks()) as never,
    headers: maxAge(300),
  })),
  [`${ROUTE.caCertificate.method} ${ROUTE.caCertificate.path}`]: routeHandler(ROUTE.caCertificate, async () => ({
    status: 200,
    body: (await currentIssuingCa()).certificate.der,
    headers: maxAge(300),
  })),
  [`${ROUTE.crl.method} ${ROUTE.crl.path}`]: routeHandler(ROUTE.crl, async () => {
    const crl = await publishedCrl();
    if (!crl) throw problem('NOT_FOUND', '尚未发布证书撤销列表');
    return { status: 200, body: crl, headers: maxAge(300) };
  }),
  [`${ROUTE.statusList.method} ${ROUTE.statusList.path}`]: routeHandler(ROUTE.statusList, async ({ params }) => {
    const credential = await publishedStatusList(Number(params.listId));
    if (!credential) throw problem('NOT_FOUND', '未找到该状态列表');
    return { status: 200, body: credential, headers: maxAge(60) };
  }),
};

export const handler = (event: HttpEvent, context: Context) => {
  const route = byRoute[event.routeKey];
  if (!route) throw new Error(`trust-material: no route ${event.routeKey}`);
  return route(event, context);
};

"""A local Stripe for Masthead's tests: localstripe (customers, products, plans, subscriptions,
invoices, payment intents, refunds, signed webhooks) plus the parts of Stripe it lacks:
Checkout Sessions with a payment page, the customer portal, and `charge.refunded`.

    python3 standin.py --port 8420   (0: any free port; the line it prints names it)
    python3 standin.py --port 8420 --webhook http://127.0.0.1:8080/members/webhooks/stripe/ --secret whsec_...

Webhooks go wherever `POST /_config/webhooks/<id>` (url, secret) says, signed with Stripe's
scheme. `GET /_standin/requests` lists the API calls that carried an Idempotency-Key.
"""

import argparse
import html
import json
import socket
import time

from aiohttp import web

from localstripe import server
from localstripe.errors import UserError
from localstripe.resources import (Customer, Event, PaymentIntent, PaymentMethod, Plan, Product,
                                   Refund, Subscription, random_id)
from localstripe.webhooks import register_webhook, schedule_webhook

app = server.app
SESSIONS = {}
PORTALS = {}
IDEMPOTENT = {}
REQUESTS = []
TEST_CARD = {'number': '4242424242424242', 'exp_month': '12', 'exp_year': '2030', 'cvc': '123'}


class Plain:
    """Anything localstripe's Event can carry: an object that exports itself."""

    def __init__(self, data):
        self.data = data

    def _export(self, **_):
        return self.data


def base_url(request):
    return '%s://%s' % (request.scheme, request.host)


def replay_or_remember(request, key, params, make):
    """Stripe's idempotency: the same key and parameters answer the first result again; the
    same key with other parameters is refused."""
    REQUESTS.append({'path': request.path, 'idempotency_key': key})
    if key is None:
        return make()
    seen = IDEMPOTENT.get(key)
    if seen is not None:
        if seen[0] != params:
            raise UserError(400, 'Keys for idempotent requests can only be used with the same '
                                 'parameters they were first used with.')
        return seen[1]
    result = make()
    IDEMPOTENT[key] = (params, result)
    return result


async def create_session(request):
    data = await server.get_post_data(request) or {}
    key = request.headers.get('Idempotency-Key')

    def make():
        mode = data.get('mode')
        if mode not in ('payment', 'subscription'):
            raise UserError(400, 'mode must be payment or subscription')
        items = data.get('line_items') or []
        if len(items) != 1 or 'price_data' not in items[0]:
            raise UserError(400, 'one line item with price_data is supported')
        price = items[0]['price_data']
        amount = int(price.get('unit_amount', 0))
        if amount <= 0:
            raise UserError(400, 'unit_amount must be positive')
        session_id = 'cs_test_' + random_id(24)
        session = {
            'id': session_id,
            'object': 'checkout.session',
            'mode': mode,
            'status': 'open',
            'payment_status': 'unpaid',
            'url': '%s/pay/%s' % (base_url(request), session_id),
            'success_url': data.get('success_url'),
            'cancel_url': data.get('cancel_url'),
            'customer': None,
            'customer_email': data.get('customer_email'),
            'customer_details': None,
            'client_reference_id': data.get('client_reference_id'),
            'metadata': data.get('metadata') or {},
            'subscription_data': data.get('subscription_data') or {},
            'submit_type': data.get('submit_type'),
            'amount_total': amount,
            'currency': price.get('currency', 'usd'),
            'price_data': price,
            'subscription': None,
            'payment_intent': None,
            'created': int(time.time()),
        }
        SESSIONS[session_id] = session
        return session

    return server.json_response(public(replay_or_remember(request, key, data, make)))


def public(session):
    return {k: v for k, v in session.items() if k not in ('price_data', 'subscription_data')}


def read_session(request):
    session = SESSIONS.get(request.match_info['id'])
    if session is None:
        raise UserError(404, 'No such checkout session')
    return server.json_response(public(session))


def pay_page(request):
    session = SESSIONS.get(request.match_info['id'])
    if session is None:
        raise UserError(404, 'No such checkout session')
    amount = '%s %.2f' % (session['currency'].upper(), session['amount_total'] / 100)
    interval = session['price_data'].get('recurring', {}).get('interval')
    if interval:
        amount += ' every ' + interval
    email = session['customer_email'] or ''
    page = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay: stand-in checkout</title></head>
<body><main><h1>Stand-in checkout</h1><p id="amount">{amount}</p><p>{name}</p>
<form method="post"><label>Email <input name="email" type="email" value="{email}"></label>
<label>Name on card <input name="name" value="Test Reader"></label>
<button type="submit">Pay</button></form>
<p><a href="{cancel}">Cancel</a></p></main></body></html>""".format(
        amount=html.escape(amount), name=html.escape(session['price_data'].get('product_data', {}).get('name', '')),
        email=html.escape(email), cancel=html.escape(session['cancel_url'] or '/'))
    return web.Response(text=page, content_type='text/html')


def card_customer(email, name):
    method = PaymentMethod._api_create(type='card', card=dict(TEST_CARD))
    customer = Customer._api_create(email=email, name=name, payment_method=method.id,
                                    invoice_settings={'default_payment_method': method.id})
    return customer, method


def complete(session, email, name):
    """Takes the payment the session describes, then tells the webhooks, as Stripe does."""
    if session['status'] == 'complete':
        return
    customer, method = card_customer(email, name)
    price = session['price_data']
    if session['mode'] == 'subscription':
        product = Product._api_create(name=price.get('product_data', {}).get('name', 'Membership'))
        plan = Plan._api_create(amount=session['amount_total'], currency=session['currency'],
                                interval=price.get('recurring', {}).get('interval', 'month'),
                                product=product.id)
        sub_data = session['subscription_data']
        trial = sub_data.get('trial_period_days')
        subscription = Subscription._api_create(
            customer=customer.id, items=[{'plan': plan.id}], metadata=sub_data.get('metadata') or {},
            **({'trial_period_days': int(trial)} if trial else {}))
        session['subscription'] = subscription.id
    else:
        intent = PaymentIntent._api_create(amount=session['amount_total'], currency=session['currency'],
                                           customer=customer.id, payment_method=method.id,
                                           metadata=session['metadata'])
        PaymentIntent._api_confirm(intent.id)
        session['payment_intent'] = intent.id
    session.update(status='complete', payment_status='paid', customer=customer.id,
                   customer_details={'email': email, 'name': name})
    schedule_webhook(Event('checkout.session.completed', Plain(public(session))))


async def pay(request):
    session = SESSIONS.get(request.match_info['id'])
    if session is None:
        raise UserError(404, 'No such checkout session')
    form = await request.post()
    email = form.get('email') or session['customer_email']
    if not email:
        raise UserError(400, 'an email address is needed')
    complete(session, email, form.get('name') or None)
    target = (session['success_url'] or '/').replace('{CHECKOUT_SESSION_ID}', session['id'])
    raise web.HTTPSeeOther(target)


async def create_portal(request):
    data = await server.get_post_data(request) or {}
    key = request.headers.get('Idempotency-Key')

    def make():
        Customer._api_retrieve(data.get('customer'))
        portal_id = 'bps_' + random_id(24)
        portal = {'id': portal_id, 'object': 'billing_portal.session', 'customer': data.get('customer'),
                  'return_url': data.get('return_url'),
                  'url': '%s/portal/%s' % (base_url(request), portal_id)}
        PORTALS[portal_id] = portal
        return portal

    return server.json_response(replay_or_remember(request, key, data, make))


def portal_page(request):
    portal = PORTALS.get(request.match_info['id'])
    if portal is None:
        raise UserError(404, 'No such portal session')
    subs = [s for s in Subscription._api_list_all('/v1/subscriptions', customer=portal['customer'])._list]
    rows = ''.join(
        '<li>%s: %s <form method="post" action="/portal/%s/cancel/%s"><button>Cancel</button></form></li>'
        % (html.escape(s.id), html.escape(s.status), portal['id'], s.id) for s in subs)
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Billing: stand-in portal</title>'
            '</head><body><main><h1>Stand-in billing portal</h1><ul>%s</ul><a href="%s">Return</a></main>'
            '</body></html>' % (rows, html.escape(portal['return_url'] or '/')))
    return web.Response(text=page, content_type='text/html')


def portal_cancel(request):
    portal = PORTALS.get(request.match_info['id'])
    if portal is None:
        raise UserError(404, 'No such portal session')
    Subscription._api_delete(request.match_info['sub'])
    raise web.HTTPSeeOther('/portal/' + portal['id'])


async def refund(request):
    """Refunds a payment intent (all of it, or `amount`) and sends `charge.refunded`."""
    data = await server.get_post_data(request) or {}
    intent = PaymentIntent._api_retrieve(data.get('payment_intent'))
    made = Refund._api_create(payment_intent=intent.id, **({'amount': data['amount']} if 'amount' in data else {}))
    refunds = Refund._api_list_all('/v1/refunds', payment_intent=intent.id)._list
    charge = intent.latest_charge._export()
    charge['amount_refunded'] = sum(r.amount for r in refunds)
    charge['refunded'] = charge['amount_refunded'] >= charge['amount']
    charge['payment_intent'] = intent.id
    schedule_webhook(Event('charge.refunded', Plain(charge)))
    return server.json_response(made._export())


def requests_seen(request):
    return server.json_response(REQUESTS)


@web.middleware
async def pages_are_public(request, handler):
    """Readers reach the payment and portal pages without an API key, as on Stripe."""
    if request.path.startswith(('/pay/', '/portal/', '/_standin/')):
        return await handler(request)
    return await server.auth_middleware(request, handler)


app.middlewares[app.middlewares.index(server.auth_middleware)] = pages_are_public
app.router.add_post('/v1/checkout/sessions', create_session)
app.router.add_get('/v1/checkout/sessions/{id}', read_session)
app.router.add_post('/v1/billing_portal/sessions', create_portal)
app.router.add_get('/pay/{id}', pay_page)
app.router.add_post('/pay/{id}', pay)
app.router.add_get('/portal/{id}', portal_page)
app.router.add_post('/portal/{id}/cancel/{sub}', portal_cancel)
app.router.add_post('/_standin/refund', refund)
app.router.add_get('/_standin/requests', requests_seen)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=8420)
    parser.add_argument('--webhook', help='a URL to send every event to, signed with --secret')
    parser.add_argument('--secret', default='whsec_test')
    args = parser.parse_args()
    if args.webhook:
        register_webhook('cli', args.webhook, args.secret, None)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', args.port))
    print('stripe stand-in listening on http://127.0.0.1:%d' % sock.getsockname()[1], flush=True)
    web.run_app(app, sock=sock, print=None)


if __name__ == '__main__':
    main()

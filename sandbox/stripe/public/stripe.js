/*
 * Stripe.js stand-in for the Crossbill Stripe sandbox (test mode only, no build step).
 *
 * Load it with a <script> tag before @stripe/stripe-js's loadStripe() runs: loadStripe then finds
 * window.Stripe and uses it instead of fetching https://js.stripe.com. It implements the subset of
 * Stripe.js that @stripe/react-stripe-js uses with the Payment Element: elements(), create('payment'
 * | 'expressCheckout'), mount/unmount/destroy/on/off/once/update, submit(), confirmPayment(),
 * retrievePaymentIntent(). The Payment Element is a plain card form; the sandbox decides what the
 * typed card does (4242… succeeds, 4000 0025 0000 3155 needs authentication, …9995 is declined).
 */
(function () {
  'use strict';
  if (typeof window === 'undefined') return;

  var script = document.currentScript;
  var API = script && script.src ? new URL(script.src, window.location.href).origin : 'http://127.0.0.1:12111';
  var NOTE =
    'Sandbox: use 4242 4242 4242 4242 \u00b7 4000 0025 0000 3155 (authentication) \u00b7 4000 0000 0000 9995 (declined)';
  var counter = 0;

  function encode(value, prefix, out) {
    if (value === undefined || value === null) return out;
    if (typeof value === 'object') {
      Object.keys(value).forEach(function (k) {
        encode(value[k], prefix ? prefix + '[' + k + ']' : k, out);
      });
    } else {
      out.push(encodeURIComponent(prefix) + '=' + encodeURIComponent(String(value)));
    }
    return out;
  }

  function request(method, path, key, params) {
    var body = encode(params || {}, '', []).join('&');
    var url = API + path + (method === 'GET' && body ? '?' + body : '');
    return fetch(url, {
      method: method,
      headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: method === 'GET' ? undefined : body,
    }).then(function (res) {
      return res.json().then(function (json) {
        return { ok: res.ok, body: json };
      });
    });
  }

  function intentId(clientSecret) {
    return String(clientSecret || '').split('_secret_')[0];
  }

  function Emitter() {
    this._handlers = {};
    this._fired = {};
  }
  Emitter.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    // 'ready' may fire before a framework attaches its listener: replay it.
    if (event === 'ready' && this._fired.ready) {
      var payload = this._fired.ready.payload;
      setTimeout(function () {
        handler(payload);
      }, 0);
    }
    return this;
  };
  Emitter.prototype.off = function (event, handler) {
    var list = this._handlers[event] || [];
    this._handlers[event] = handler ? list.filter(function (h) { return h !== handler; }) : [];
    return this;
  };
  Emitter.prototype.once = function (event, handler) {
    var self = this;
    function wrapped(payload) {
      self.off(event, wrapped);
      handler(payload);
    }
    return this.on(event, wrapped);
  };
  Emitter.prototype._emit = function (event, payload) {
    this._fired[event] = { payload: payload };
    (this._handlers[event] || []).slice().forEach(function (h) {
      h(payload);
    });
  };

  function field(parent, id, label, attrs) {
    var wrap = document.createElement('div');
    wrap.style.margin = '0.5rem 0';
    var l = document.createElement('label');
    l.htmlFor = id;
    l.textContent = label;
    l.style.display = 'block';
    var input = document.createElement('input');
    input.id = id;
    Object.keys(attrs).forEach(function (k) {
      input.setAttribute(k, attrs[k]);
    });
    input.style.width = '100%';
    input.style.boxSizing = 'border-box';
    input.style.padding = '0.5rem';
    wrap.appendChild(l);
    wrap.appendChild(input);
    parent.appendChild(wrap);
    return input;
  }

  function Element(elements, type, options) {
    Emitter.call(this);
    this._elements = elements;
    this._type = type;
    this._options = options || {};
    this._node = null;
    this._root = null;
    this._inputs = null;
  }
  Element.prototype = Object.create(Emitter.prototype);

  Element.prototype.mount = function (target) {
    var node = typeof target === 'string' ? document.querySelector(target) : target;
    if (!node) throw new Error('Stripe sandbox: mount target not found: ' + target);
    var self = this;
    this._node = node;
    if (this._type === 'expressCheckout') {
      setTimeout(function () {
        self._emit('ready', { elementType: 'expressCheckout', availablePaymentMethods: undefined });
      }, 0);
      return;
    }
    var n = ++counter;
    var root = document.createElement('div');
    root.className = 'sandbox-stripe-payment-element';
    root.setAttribute('data-testid', 'sandbox-payment-element');
    var number = field(root, 'sandbox-card-number-' + n, 'Card number', {
      inputmode: 'numeric', autocomplete: 'cc-number', placeholder: '1234 1234 1234 1234', name: 'cardnumber',
    });
    var expiry = field(root, 'sandbox-card-expiry-' + n, 'Expiry (MM / YY)', {
      autocomplete: 'cc-exp', placeholder: 'MM / YY', name: 'exp-date',
    });
    var cvc = field(root, 'sandbox-card-cvc-' + n, 'CVC', { inputmode: 'numeric', autocomplete: 'cc-csc', placeholder: 'CVC', name: 'cvc' });
    var note = document.createElement('p');
    note.textContent = NOTE;
    note.style.fontSize = '0.85em';
    root.appendChild(note);
    this._inputs = { number: number, expiry: expiry, cvc: cvc };
    [number, expiry, cvc].forEach(function (input) {
      input.addEventListener('input', function () {
        self._emit('change', self._changeEvent());
      });
      input.addEventListener('focus', function () {
        self._emit('focus', { elementType: self._type });
      });
      input.addEventListener('blur', function () {
        self._emit('blur', { elementType: self._type });
      });
    });
    node.appendChild(root);
    this._root = root;
    setTimeout(function () {
      self._emit('ready', self);
    }, 0);
  };

  Element.prototype._values = function () {
    var i = this._inputs;
    if (!i) return { number: '', expiry: '', cvc: '' };
    return { number: i.number.value.replace(/\D/g, ''), expiry: i.expiry.value.trim(), cvc: i.cvc.value.trim() };
  };
  Element.prototype._validate = function () {
    var v = this._values();
    if (v.number.length < 12) return { type: 'validation_error', code: 'incomplete_number', message: 'Your card number is incomplete.' };
    if (!/^\d{1,2}\s*\/?\s*\d{2,4}$/.test(v.expiry)) {
      return { type: 'validation_error', code: 'incomplete_expiry', message: "Your card's expiration date is incomplete." };
    }
    if (!/^\d{3,4}$/.test(v.cvc)) return { type: 'validation_error', code: 'incomplete_cvc', message: "Your card's security code is incomplete." };
    return null;
  };
  Element.prototype._changeEvent = function () {
    var v = this._values();
    return {
      elementType: this._type,
      complete: !this._validate(),
      empty: !v.number && !v.expiry && !v.cvc,
      collapsed: false,
      value: { type: 'card' },
    };
  };
  Element.prototype._cardParams = function () {
    var v = this._values();
    var m = /^(\d{1,2})\s*\/?\s*(\d{2,4})$/.exec(v.expiry) || [];
    var year = Number(m[2] || 0);
    return {
      type: 'card',
      card: { number: v.number, exp_month: Number(m[1] || 0), exp_year: year < 100 ? 2000 + year : year, cvc: v.cvc },
    };
  };
  Element.prototype.unmount = function () {
    if (this._root && this._root.parentNode) this._root.parentNode.removeChild(this._root);
    this._root = null;
    this._inputs = null;
  };
  Element.prototype.destroy = function () {
    this.unmount();
    this._elements._remove(this);
    this._handlers = {};
  };
  Element.prototype.update = function (options) {
    Object.assign(this._options, options || {});
  };
  Element.prototype.focus = function () {
    if (this._inputs) this._inputs.number.focus();
  };
  Element.prototype.blur = function () {
    if (this._inputs && document.activeElement && this._root && this._root.contains(document.activeElement)) document.activeElement.blur();
  };
  Element.prototype.clear = function () {
    if (!this._inputs) return;
    this._inputs.number.value = this._inputs.expiry.value = this._inputs.cvc.value = '';
  };
  Element.prototype.collapse = function () {
    return this;
  };

  function Elements(stripe, options) {
    this._stripe = stripe;
    this._options = options || {};
    this._elements = [];
  }
  Elements.prototype.create = function (type, options) {
    if (type !== 'payment' && type !== 'expressCheckout' && type !== 'card') {
      throw new Error('Stripe sandbox: element type "' + type + '" is not supported');
    }
    var el = new Element(this, type, options);
    this._elements.push(el);
    return el;
  };
  Elements.prototype.getElement = function (type) {
    return this._elements.filter(function (e) { return e._type === type; })[0] || null;
  };
  Elements.prototype._remove = function (el) {
    this._elements = this._elements.filter(function (e) { return e !== el; });
  };
  Elements.prototype._card = function () {
    return this.getElement('payment') || this.getElement('card');
  };
  Elements.prototype.update = function (options) {
    Object.assign(this._options, options || {});
  };
  Elements.prototype.fetchUpdates = function () {
    return Promise.resolve({});
  };
  Elements.prototype.submit = function () {
    var el = this._card();
    var error = el ? el._validate() : null;
    return Promise.resolve(error ? { error: error } : {});
  };

  function authenticationDialog() {
    return new Promise(function (resolve) {
      var overlay = document.createElement('div');
      overlay.setAttribute('role', 'dialog');
      overlay.setAttribute('aria-modal', 'true');
      overlay.setAttribute('aria-label', '3D Secure authentication');
      overlay.style.cssText =
        'position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:2147483647';
      var box = document.createElement('div');
      box.style.cssText = 'background:#fff;color:#111;padding:1.5rem;border-radius:8px;max-width:22rem;font:16px system-ui,sans-serif';
      var title = document.createElement('h2');
      title.textContent = '3D Secure authentication';
      var text = document.createElement('p');
      text.textContent = 'Sandbox: your bank asks you to confirm this payment.';
      box.appendChild(title);
      box.appendChild(text);
      [['Complete authentication', true], ['Fail authentication', false]].forEach(function (b) {
        var button = document.createElement('button');
        button.type = 'button';
        button.textContent = b[0];
        button.style.marginRight = '0.5rem';
        button.addEventListener('click', function () {
          document.body.removeChild(overlay);
          resolve(b[1]);
        });
        box.appendChild(button);
      });
      overlay.appendChild(box);
      document.body.appendChild(overlay);
    });
  }

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (!/^pk_test_/.test(String(publishableKey))) throw new Error('Stripe sandbox: a pk_test_ publishable key is required');
    this._key = publishableKey;
    this._options = options || {};
  }
  Stripe.version = 'endive';

  Stripe.prototype._registerWrapper = function () {};
  Stripe.prototype.registerAppInfo = function () {};
  Stripe.prototype.elements = function (options) {
    return new Elements(this, options);
  };

  Stripe.prototype._authenticate = function (pi, clientSecret) {
    var key = this._key;
    return authenticationDialog().then(function (ok) {
      return request('POST', '/v1/test_helpers/payment_intents/' + pi.id + '/authenticate', key, {
        client_secret: clientSecret,
        outcome: ok ? 'succeed' : 'fail',
      });
    });
  };

  /** Confirms with card params or a payment method id; handles authentication in a dialog. */
  Stripe.prototype._confirm = function (clientSecret, pmParams, returnUrl, redirect) {
    var self = this;
    var params = { client_secret: clientSecret };
    if (typeof pmParams === 'string') params.payment_method = pmParams;
    else params.payment_method_data = pmParams;
    return request('POST', '/v1/payment_intents/' + intentId(clientSecret) + '/confirm', this._key, params)
      .then(function (res) {
        if (!res.ok) return res;
        if (res.body.status !== 'requires_action') return res;
        return self._authenticate(res.body, clientSecret);
      })
      .then(function (res) {
        if (!res.ok) return { error: res.body.error };
        var pi = res.body;
        var succeeded = pi.status === 'succeeded' || pi.status === 'processing';
        if (!succeeded && redirect === 'if_required') {
          return { error: Object.assign({ payment_intent: pi }, pi.last_payment_error || { type: 'invalid_request_error', message: 'Payment failed.' }) };
        }
        if (redirect === 'if_required' || !returnUrl) return { paymentIntent: pi };
        var url = new URL(returnUrl, window.location.href);
        url.searchParams.set('payment_intent', pi.id);
        url.searchParams.set('payment_intent_client_secret', clientSecret);
        url.searchParams.set('redirect_status', succeeded ? 'succeeded' : 'failed');
        window.location.assign(url.toString());
        return new Promise(function () {});
      });
  };

  Stripe.prototype.confirmPayment = function (options) {
    options = options || {};
    var elements = options.elements;
    var clientSecret = options.clientSecret || (elements && elements._options.clientSecret);
    if (!clientSecret) return Promise.resolve({ error: { type: 'invalid_request_error', message: 'Missing clientSecret.' } });
    var el = elements && elements._card();
    if (!el) return Promise.resolve({ error: { type: 'invalid_request_error', message: 'No Payment Element is mounted.' } });
    var invalid = el._validate();
    if (invalid) return Promise.resolve({ error: invalid });
    var returnUrl = options.confirmParams && options.confirmParams.return_url;
    return this._confirm(clientSecret, el._cardParams(), returnUrl, options.redirect || 'always');
  };

  Stripe.prototype.confirmCardPayment = function (clientSecret, data) {
    var pm = data && data.payment_method;
    var params = typeof pm === 'string' ? pm : pm && pm.card && pm.card._cardParams ? pm.card._cardParams() : null;
    if (!params) return Promise.resolve({ error: { type: 'invalid_request_error', message: 'Missing payment_method.' } });
    return this._confirm(clientSecret, params, null, 'if_required');
  };

  Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
    return request('GET', '/v1/payment_intents/' + intentId(clientSecret), this._key, { client_secret: clientSecret }).then(function (res) {
      return res.ok ? { paymentIntent: res.body } : { error: res.body.error };
    });
  };

  Stripe.prototype.handleNextAction = function (options) {
    var self = this;
    var clientSecret = options && options.clientSecret;
    return this.retrievePaymentIntent(clientSecret).then(function (r) {
      if (r.error || r.paymentIntent.status !== 'requires_action') return r;
      return self._authenticate(r.paymentIntent, clientSecret).then(function (res) {
        return res.ok ? { paymentIntent: res.body } : { error: res.body.error };
      });
    });
  };
  Stripe.prototype.handleCardAction = function (clientSecret) {
    return this.handleNextAction({ clientSecret: clientSecret });
  };

  Stripe.prototype.createPaymentMethod = function (options) {
    var el = options && (options.elements ? options.elements._card() : options.card);
    if (!el || !el._cardParams) return Promise.resolve({ error: { type: 'invalid_request_error', message: 'Missing card element.' } });
    return request('POST', '/v1/payment_methods', this._key, el._cardParams()).then(function (res) {
      return res.ok ? { paymentMethod: res.body } : { error: res.body.error };
    });
  };
  Stripe.prototype.createToken = function () {
    return Promise.resolve({ error: { type: 'invalid_request_error', message: 'Tokens are not supported by the Stripe sandbox.' } });
  };
  Stripe.prototype.confirmSetup = function () {
    return Promise.resolve({ error: { type: 'invalid_request_error', message: 'SetupIntents are not supported by the Stripe sandbox.' } });
  };
  Stripe.prototype.paymentRequest = function () {
    return { canMakePayment: function () { return Promise.resolve(null); }, on: function () {}, show: function () {}, update: function () {} };
  };

  window.Stripe = Stripe;
})();

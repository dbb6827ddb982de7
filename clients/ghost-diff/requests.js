// The recorded requests, in order. Each is
//   {name, api: 'content' | 'admin', path, query: [[k, v], ...], headers?, auth?, conditional?}
// `path` and query values may hold placeholders that record.js (and a replayer) resolve:
//   {{content_key}}                the integration's Content API key
//   {{admin_secret}}               the integration's Admin API secret (hex), for the wrong-key-type case
//   {{id:<resource>:<natural key>}} the id of a fixture object: posts/pages/tags/authors (slug),
//                                  tiers/newsletters/labels (slug), members (email), offers (code)
// `auth` (default: 'key' on the Content API, 'token' on the Admin API) says how to authenticate:
//   'key'    ?key={{content_key}} is already in `query`     'none'   nothing
//   'token'  Authorization: Ghost <fresh HS256 JWT>         other admin-token cases are listed in README.md
// Headers: Accept-Version: v6.0 unless `headers` says otherwise (null = header not sent).
'use strict';

const K = ['key', '{{content_key}}'];
const reqs = [];
const c = (name, path, query = [], extra = {}) => reqs.push({name: `content/${name}`, api: 'content', path: `/ghost/api/content/${path}`, query: extra.noKey ? query : [K, ...query], ...extra});
const a = (name, path, query = [], extra = {}) => reqs.push({name: `admin/${name}`, api: 'admin', path: `/ghost/api/admin/${path}`, query, ...extra});
const q = (s) => s.split('&').filter(Boolean).map((kv) => { const i = kv.indexOf('='); return [kv.slice(0, i), kv.slice(i + 1)]; });

// ---------------------------------------------------------------- Content API: posts, browse
c('posts-browse', 'posts/');
c('posts-limit-all', 'posts/', q('limit=all'));
c('posts-limit-1', 'posts/', q('limit=1'));
c('posts-limit-5-page-2', 'posts/', q('limit=5&page=2'));
c('posts-limit-5-page-10-beyond-end', 'posts/', q('limit=5&page=10'));
c('posts-last-page-partial', 'posts/', q('limit=15&page=4'));
c('posts-limit-abc', 'posts/', q('limit=abc&fields=slug'));
c('posts-limit-0', 'posts/', q('limit=0'));
c('posts-limit-minus-1', 'posts/', q('limit=-1'));
c('posts-limit-101', 'posts/', q('limit=101&fields=slug'));
c('posts-limit-all-page-2', 'posts/', q('limit=all&page=2'));
c('posts-page-0', 'posts/', q('page=0'));
c('posts-page-minus-1', 'posts/', q('page=-1'));
c('posts-page-abc', 'posts/', q('page=abc'));
c('posts-include-tags-authors', 'posts/', q('include=tags,authors'));
c('posts-include-tags-authors-all', 'posts/', q('include=tags,authors&limit=all'));
c('posts-include-tags', 'posts/', q('include=tags&limit=5'));
c('posts-include-authors', 'posts/', q('include=authors&limit=5'));
c('posts-include-tiers', 'posts/', q('include=tiers&limit=5'));
c('posts-include-count-posts', 'posts/', q('include=count.posts&limit=2'));
c('posts-include-unknown', 'posts/', q('include=bogus&limit=2'));
c('posts-fields-title-slug', 'posts/', q('fields=title,slug'));
c('posts-fields-with-include', 'posts/', q('fields=title,url&include=tags,authors&limit=3'));
c('posts-fields-id-published-order-asc', 'posts/', q('fields=id,title,published_at&order=published_at asc&limit=all'));
c('posts-fields-unknown', 'posts/', q('fields=nonexistent&limit=2'));
c('posts-fields-visibility-access', 'posts/', q('fields=slug,visibility,access,excerpt&limit=all'));
c('posts-formats-plaintext', 'posts/', q('formats=plaintext&limit=3'));
c('posts-formats-html-plaintext', 'posts/', q('formats=html,plaintext&limit=3'));
c('posts-formats-mobiledoc', 'posts/', q('formats=mobiledoc&limit=2'));
c('posts-formats-lexical', 'posts/', q('formats=lexical&limit=2'));
// filters
c('filter-featured-true', 'posts/', q('filter=featured:true&fields=slug,featured'));
c('filter-featured-false-count', 'posts/', q('filter=featured:false&fields=slug&limit=all'));
c('filter-visibility-public', 'posts/', q('filter=visibility:public&fields=slug&limit=all'));
c('filter-visibility-members', 'posts/', q('filter=visibility:members&fields=slug,visibility'));
c('filter-visibility-paid', 'posts/', q('filter=visibility:paid&fields=slug,visibility'));
c('filter-visibility-tiers', 'posts/', q('filter=visibility:tiers&fields=slug,visibility'));
c('filter-visibility-not-public', 'posts/', q('filter=visibility:-public&fields=slug,visibility'));
c('filter-visibility-in', 'posts/', q('filter=visibility:[paid,tiers]&fields=slug,visibility'));
c('filter-tag', 'posts/', q('filter=tag:data&include=tags'));
c('filter-tags-in', 'posts/', q('filter=tags:[data,economy]&fields=slug&limit=all'));
c('filter-tag-not', 'posts/', q('filter=tag:-city&fields=slug&limit=all'));
c('filter-tags-not-in', 'posts/', q('filter=tags:-[city,data]&fields=slug&limit=all'));
c('filter-tag-internal', 'posts/', q('filter=tag:hash-standards&include=tags'));
c('filter-tags-slug', 'posts/', q('filter=tags.slug:photo-essay&fields=slug'));
c('filter-author', 'posts/', q('filter=author:maya-ellison&include=authors&fields=slug'));
c('filter-authors-in', 'posts/', q('filter=authors:[dmytro-savchenko,iryna-kovalenko]&fields=slug&limit=all'));
c('filter-authors-slug-and-tags-slug', 'posts/', q('filter=authors.slug:dmytro-savchenko+tags.slug:culture&fields=slug'));
c('filter-primary-tag', 'posts/', q('filter=primary_tag:investigations&include=tags&fields=slug'));
c('filter-primary-tag-internal-first', 'posts/', q('filter=primary_tag:newsroom&include=tags&fields=slug'));
c('filter-primary-author', 'posts/', q('filter=primary_author:sam-okafor&include=authors&fields=slug'));
c('filter-published-gt', 'posts/', q("filter=published_at:>'2025-10-01'&fields=slug,published_at"));
c('filter-published-gte-exact', 'posts/', q("filter=published_at:>='2025-10-23 10:00:00'&fields=slug,published_at"));
c('filter-published-gt-exact', 'posts/', q("filter=published_at:>'2025-10-23 10:00:00'&fields=slug,published_at"));
c('filter-published-lt', 'posts/', q("filter=published_at:<'2025-04-01'&fields=slug,published_at"));
c('filter-published-lte-exact', 'posts/', q("filter=published_at:<='2025-03-21 04:05:00'&fields=slug,published_at"));
c('filter-published-iso-z', 'posts/', q("filter=published_at:<'2025-03-21T04:05:00.000Z'&fields=slug,published_at"));
c('filter-published-range', 'posts/', q("filter=published_at:>='2025-06-01'+published_at:<'2025-07-01'&fields=slug,published_at"));
c('filter-published-relative', 'posts/', q('filter=published_at:>now-10y+published_at:<now&fields=slug&limit=3'));
c('filter-title-contains', 'posts/', q("filter=title:~'fuel'&fields=slug,title"));
c('filter-title-contains-case', 'posts/', q("filter=title:~'FUEL'&fields=slug,title"));
c('filter-title-starts', 'posts/', q("filter=title:~^'Investigation'&fields=slug,title"));
c('filter-title-ends', 'posts/', q("filter=title:~$'review'&fields=slug,title"));
c('filter-title-not-contains', 'posts/', q("filter=title:-~'the'&fields=slug,title&limit=all"));
c('filter-title-not-starts', 'posts/', q("filter=title:-~^'The'&fields=slug&limit=all"));
c('filter-title-cyrillic-contains', 'posts/', q("filter=title:~'підвал'&fields=slug,title"));
c('filter-title-equals-quoted', 'posts/', q("filter=title:'Corrections policy update'&fields=slug,title"));
c('filter-slug-in', 'posts/', q('filter=slug:[missing-fuel-part-one,missing-fuel-part-two]&fields=slug'));
c('filter-slug-not-in', 'posts/', q('filter=slug:-[missing-fuel-part-one,missing-fuel-part-two]&fields=slug&limit=all'));
c('filter-slug-not', 'posts/', q('filter=slug:-the-bakers-who-never-closed&fields=slug&limit=all'));
c('filter-and', 'posts/', q('filter=featured:true+tag:data&fields=slug'));
c('filter-or', 'posts/', q('filter=tag:sport,tag:photo-essay&fields=slug'));
c('filter-or-and-precedence', 'posts/', q('filter=tag:sport,tag:culture+featured:true&fields=slug'));
c('filter-parens', 'posts/', q('filter=(tag:data,tag:culture)+visibility:members&fields=slug'));
c('filter-parens-or', 'posts/', q('filter=featured:true,(tag:culture+visibility:members)&fields=slug'));
c('filter-custom-excerpt-null', 'posts/', q('filter=custom_excerpt:null&fields=slug&limit=all'));
c('filter-custom-excerpt-not-null', 'posts/', q('filter=custom_excerpt:-null&fields=slug,custom_excerpt&limit=all'));
c('filter-feature-image-null', 'posts/', q('filter=feature_image:null&fields=slug&limit=all'));
c('filter-featured-and-image', 'posts/', q('filter=featured:true+feature_image:-null&fields=slug'));
c('filter-id', 'posts/', q('filter=id:{{id:posts:the-bakers-who-never-closed}}&fields=slug'));
c('filter-status-draft-ignored', 'posts/', q('filter=status:draft&fields=slug'));
c('filter-tags-count-zero-tag', 'posts/', q('filter=tag:archive-2024'));
c('filter-count-posts-refused', 'posts/', q('filter=count.posts:>1'));
c('filter-unknown-field', 'posts/', q('filter=nonexistent:1'));
c('filter-bad-syntax-bracket', 'posts/', q('filter=tag:[data'));
c('filter-bad-syntax-paren', 'posts/', q('filter=(featured:true'));
c('filter-bad-syntax-empty-op', 'posts/', q('filter=title:~'));
c('filter-bad-unterminated-string', 'posts/', q("filter=title:'unterminated"));
// order
c('order-published-asc', 'posts/', q('order=published_at asc&fields=slug,published_at'));
c('order-title-asc', 'posts/', q('order=title asc&fields=title&limit=all'));
c('order-title-desc', 'posts/', q('order=title desc&fields=title&limit=10'));
c('order-featured-desc-published-asc', 'posts/', q('order=featured desc,published_at asc&fields=slug,featured,published_at&limit=10'));
c('order-slug-asc-page-2', 'posts/', q('order=slug asc&fields=slug&limit=10&page=2'));
c('order-no-direction', 'posts/', q('order=title&fields=title&limit=5'));
c('order-uppercase-direction', 'posts/', q('order=title DESC&fields=title&limit=5'));
c('order-reading-time', 'posts/', q('order=reading_time desc&fields=slug,reading_time&limit=5'));
c('order-unknown-field', 'posts/', q('order=bogus asc&limit=2&fields=slug'));
c('order-bad-direction', 'posts/', q('order=published_at sideways&limit=2&fields=slug'));
// reads
c('posts-read-id', 'posts/{{id:posts:the-bakers-who-never-closed}}/');
c('posts-read-slug', 'posts/slug/the-bakers-who-never-closed/');
c('posts-read-slug-include-formats', 'posts/slug/missing-fuel-part-one/', q('include=tags,authors&formats=html,plaintext'));
c('posts-read-slug-fields', 'posts/slug/the-bakers-who-never-closed/', q('fields=title,slug,url'));
c('posts-read-slug-transliterated', 'posts/slug/kiyiv-pislia-nochi/', q('include=tags,authors'));
c('posts-read-slug-cyrillic-title', 'posts/slug/shkola-u-pidvali/');
c('posts-read-slug-cyrillic-raw', 'posts/slug/київ-після-ночі/');
c('posts-read-members-gated', 'posts/slug/letters-from-the-night-shift-at-regional-hospital-no-2/', q('formats=html,plaintext'));
c('posts-read-members-no-marker', 'posts/slug/the-archive-that-moved-twice/', q('formats=html,plaintext'));
c('posts-read-paid-gated', 'posts/slug/evacuation-buses-who-decides-the-routes/', q('formats=html,plaintext'));
c('posts-read-tiers-gated', 'posts/slug/inside-the-volunteer-kitchen-feeding-900-people-a-day/', q('include=tiers'));
c('posts-read-tiers-no-marker', 'posts/slug/weekend-reading-the-long-way-home/');
c('posts-read-body-image', 'posts/slug/mapping-damaged-homes-with-open-data/', q('include=tags,authors'));
c('posts-read-no-tags', 'posts/slug/a-quiet-sunday-in-the-river-towns/', q('include=tags,authors'));
c('posts-read-emoji-title', 'posts/slug/style-notes-why-we-avoid-emoji-in-headlines/', q('include=tags'));
c('posts-read-draft-404', 'posts/slug/budget-hearing-notes/');
c('posts-read-scheduled-404', 'posts/slug/five-years-on/');
c('posts-read-page-slug-404', 'posts/slug/about/');
c('posts-read-unknown-slug-404', 'posts/slug/no-such-story/');
c('posts-read-unknown-id-404', 'posts/000000000000000000000000/');
c('posts-read-bad-id', 'posts/not-an-id/');
// ---------------------------------------------------------------- pages
c('pages-browse', 'pages/');
c('pages-include-authors-tags', 'pages/', q('include=authors,tags'));
c('pages-order-title-asc', 'pages/', q('order=title asc&fields=title,slug'));
c('pages-order-published-asc', 'pages/', q('order=published_at asc&fields=slug,published_at'));
c('pages-filter-featured', 'pages/', q('filter=featured:true&fields=slug'));
c('pages-filter-internal-tag', 'pages/', q('filter=tag:hash-standards&fields=slug'));
c('pages-formats-plaintext', 'pages/', q('formats=plaintext&limit=2'));
c('pages-limit-2-page-2', 'pages/', q('limit=2&page=2&fields=slug'));
c('pages-read-slug', 'pages/slug/about/');
c('pages-read-id', 'pages/{{id:pages:contact}}/');
c('pages-read-members-gated', 'pages/slug/member-guide/');
c('pages-read-draft-404', 'pages/slug/jobs/');
c('pages-read-post-slug-404', 'pages/slug/the-bakers-who-never-closed/');
// ---------------------------------------------------------------- tags
c('tags-browse', 'tags/');
c('tags-limit-all', 'tags/', q('limit=all'));
c('tags-include-count-posts', 'tags/', q('include=count.posts&limit=all'));
c('tags-filter-visibility-public', 'tags/', q('filter=visibility:public&limit=all&fields=slug'));
c('tags-filter-visibility-internal', 'tags/', q('filter=visibility:internal&fields=slug,name,visibility'));
c('tags-filter-slug-in', 'tags/', q('filter=slug:[city,data,frontline]'));
c('tags-filter-name-contains', 'tags/', q("filter=name:~'ar'&fields=name"));
c('tags-filter-count-posts', 'tags/', q('filter=count.posts:>1&include=count.posts'));
c('tags-order-name-desc', 'tags/', q('order=name desc&fields=name&limit=all'));
c('tags-order-count-posts', 'tags/', q('order=count.posts desc&include=count.posts&fields=slug&limit=10'));
c('tags-order-slug-page-2', 'tags/', q('order=slug asc&limit=5&page=2&fields=slug'));
c('tags-fields', 'tags/', q('fields=name,slug&limit=5'));
c('tags-read-slug', 'tags/slug/city/');
c('tags-read-slug-count', 'tags/slug/city/', q('include=count.posts'));
c('tags-read-id', 'tags/{{id:tags:data}}/');
c('tags-read-internal', 'tags/slug/hash-standards/', q('include=count.posts'));
c('tags-read-empty-count', 'tags/slug/archive-2024/', q('include=count.posts'));
c('tags-read-transliterated', 'tags/slug/ukrayinskoiu/', q('include=count.posts'));
c('tags-read-unknown-404', 'tags/slug/no-such-tag/');
// ---------------------------------------------------------------- authors
c('authors-browse', 'authors/');
c('authors-include-count-posts', 'authors/', q('include=count.posts'));
c('authors-order-name-desc', 'authors/', q('order=name desc&fields=name,slug'));
c('authors-order-count-posts', 'authors/', q('order=count.posts desc&include=count.posts&fields=slug'));
c('authors-filter-slug-in', 'authors/', q('filter=slug:[maya-ellison,sam-okafor]'));
c('authors-filter-email-refused', 'authors/', q("filter=email:'taras@lantern.example'"));
c('authors-filter-location', 'authors/', q('filter=location:Lodvyn&fields=slug'));
c('authors-fields', 'authors/', q('fields=name,slug&limit=3'));
c('authors-limit-2-page-3', 'authors/', q('limit=2&page=3&fields=slug'));
c('authors-read-slug', 'authors/slug/maya-ellison/');
c('authors-read-slug-count', 'authors/slug/maya-ellison/', q('include=count.posts'));
c('authors-read-id', 'authors/{{id:authors:sam-okafor}}/');
c('authors-read-no-posts', 'authors/slug/yulia-bondar/', q('include=count.posts'));
c('authors-read-unknown-404', 'authors/slug/no-such-person/');
// ---------------------------------------------------------------- tiers, newsletters, settings, offers, others
c('tiers-browse', 'tiers/');
c('tiers-include-prices-benefits', 'tiers/', q('include=monthly_price,yearly_price,benefits'));
c('tiers-filter-type-paid', 'tiers/', q('filter=type:paid&include=benefits'));
c('tiers-filter-slug', 'tiers/', q('filter=slug:sustainer'));
c('tiers-limit-1', 'tiers/', q('limit=1'));
c('newsletters-browse', 'newsletters/');
c('newsletters-limit-1', 'newsletters/', q('limit=1'));
c('settings', 'settings/');
c('settings-fields-ignored', 'settings/', q('fields=title'));
c('offers-read', 'offers/{{id:offers:winter-appeal}}/');
c('offers-read-unknown-404', 'offers/000000000000000000000000/');
c('offers-browse-absent', 'offers/');
c('recommendations', 'recommendations/');
c('search-index-posts', 'search-index/posts/');
c('search-index-authors', 'search-index/authors/');
c('search-index-tags', 'search-index/tags/');
// ---------------------------------------------------------------- versions and caching
c('no-accept-version-posts', 'posts/', q('limit=2&fields=slug'), {headers: {'Accept-Version': null}});
c('no-accept-version-tags', 'tags/', q('limit=2'), {headers: {'Accept-Version': null}});
c('no-accept-version-settings', 'settings/', [], {headers: {'Accept-Version': null}});
c('no-accept-version-error', 'posts/slug/no-such-story/', [], {headers: {'Accept-Version': null}});
c('accept-version-v5', 'posts/', q('limit=1&fields=slug'), {headers: {'Accept-Version': 'v5.0'}});
c('accept-version-v6-7', 'posts/', q('limit=1&fields=slug'), {headers: {'Accept-Version': 'v6.7'}});
c('accept-version-v99', 'posts/', q('limit=1&fields=slug'), {headers: {'Accept-Version': 'v99.0'}});
c('accept-version-bogus', 'posts/', q('limit=1&fields=slug'), {headers: {'Accept-Version': 'bogus'}});
c('if-none-match-etag', 'posts/', q('limit=1&fields=slug'), {conditional: 'content/accept-version-v6-7'});
c('origin-header-cors', 'posts/', q('limit=1&fields=slug'), {headers: {Origin: 'https://reader.example'}});
// ---------------------------------------------------------------- errors
c('error-missing-key', 'posts/', [], {noKey: true, auth: 'none'});
c('error-unknown-key', 'posts/', [['key', '0123456789abcdef0123456789']], {noKey: true, auth: 'none'});
c('error-malformed-key', 'posts/', [['key', 'not-a-key']], {noKey: true, auth: 'none'});
c('error-key-twice', 'posts/', [['key', '{{content_key}}'], ['key', '{{content_key}}']], {noKey: true, auth: 'none'});
c('error-admin-secret-as-key', 'posts/', [['key', '{{admin_secret}}']], {noKey: true, auth: 'none'});
c('error-unknown-resource', 'bogus/');
c('error-unknown-resource-no-accept-version', 'bogus/', [], {headers: {'Accept-Version': null}});
c('error-no-trailing-slash', 'posts', q('limit=1&fields=slug'));
c('error-slug-missing', 'posts/slug/', []);

// ---------------------------------------------------------------- Admin API: posts
a('posts-browse', 'posts/');
a('posts-limit-all-fields', 'posts/', q('limit=all&fields=id,slug,status,published_at'));
a('posts-filter-status-draft', 'posts/', q('filter=status:draft'));
a('posts-filter-status-scheduled', 'posts/', q('filter=status:scheduled'));
a('posts-filter-status-in', 'posts/', q('filter=status:[draft,scheduled]&fields=slug,status'));
a('posts-filter-status-published-count', 'posts/', q('filter=status:published&limit=1&fields=slug'));
a('posts-formats-all', 'posts/', q('formats=lexical,html,mobiledoc,plaintext&limit=3'));
a('posts-include-tags-authors-tiers', 'posts/', q('include=tags,authors,tiers&limit=5'));
a('posts-include-newsletter-email', 'posts/', q('include=newsletter,email,count.clicks,count.signups,count.paid_conversions&limit=2'));
a('posts-filter-visibility-paid', 'posts/', q('filter=visibility:paid&fields=slug,visibility,status'));
a('posts-filter-internal-tag', 'posts/', q('filter=tag:hash-standards&fields=slug'));
a('posts-filter-author', 'posts/', q('filter=author:olena-marchuk&fields=slug,status'));
a('posts-order-title', 'posts/', q('order=title asc&fields=title,status&limit=all'));
a('posts-read-id-formats', 'posts/{{id:posts:missing-fuel-part-one}}/', q('formats=lexical,html,mobiledoc'));
a('posts-read-slug', 'posts/slug/the-bakers-who-never-closed/');
a('posts-read-members', 'posts/slug/letters-from-the-night-shift-at-regional-hospital-no-2/', q('formats=html,plaintext'));
a('posts-read-tiers', 'posts/slug/inside-the-volunteer-kitchen-feeding-900-people-a-day/');
a('posts-read-draft', 'posts/slug/budget-hearing-notes/');
a('posts-read-draft-cyrillic', 'posts/{{id:posts:chernetka-reportazh-z-vokzalu}}/');
a('posts-read-scheduled', 'posts/slug/five-years-on/', q('formats=html,lexical'));
a('posts-read-unknown-404', 'posts/000000000000000000000000/');
// pages
a('pages-browse', 'pages/');
a('pages-filter-draft', 'pages/', q('filter=status:draft'));
a('pages-read-slug-formats', 'pages/slug/about/', q('formats=lexical,html'));
a('pages-read-id', 'pages/{{id:pages:member-guide}}/');
// tags
a('tags-browse-all', 'tags/', q('limit=all'));
a('tags-include-count-posts', 'tags/', q('include=count.posts&limit=all'));
a('tags-filter-internal', 'tags/', q('filter=visibility:internal'));
a('tags-read-slug-internal', 'tags/slug/hash-standards/');
a('tags-read-id', 'tags/{{id:tags:city}}/', q('include=count.posts'));
// users and roles
a('users-browse', 'users/');
a('users-include-count-roles', 'users/', q('include=count.posts,roles&limit=all'));
a('users-order-name', 'users/', q('order=name asc&fields=name,slug'));
a('users-filter-status', 'users/', q('filter=status:active&fields=slug'));
a('users-read-slug', 'users/slug/maya-ellison/', q('include=roles'));
a('users-read-id', 'users/{{id:authors:taras-hnatiuk}}/', q('include=count.posts'));
a('users-read-email', 'users/email/taras@lantern.example/');
a('users-read-me-integration', 'users/me/');
a('roles-browse', 'roles/');
a('roles-assignable', 'roles/', q('permissions=assign'));
// members, labels
a('members-browse', 'members/');
a('members-limit-all', 'members/', q('limit=all'));
a('members-filter-label', 'members/', q('filter=label:press-pass&limit=all'));
a('members-filter-labels-in', 'members/', q('filter=label:[partner-newsroom,newsroom-friend]'));
a('members-filter-status-free', 'members/', q('filter=status:free&limit=5'));
a('members-filter-status-paid', 'members/', q('filter=status:paid'));
a('members-filter-status-comped', 'members/', q('filter=status:comped'));
a('members-filter-newsletter', 'members/', q('filter=newsletters.slug:frontline-brief&limit=all'));
a('members-filter-subscribed-false', 'members/', q('filter=subscribed:false'));
a('members-filter-created-at', 'members/', q("filter=created_at:<'2025-02-01'"));
a('members-filter-email-contains', 'members/', q("filter=email:~'brennan'"));
a('members-search', 'members/', q('search=lysenko'));
a('members-search-cyrillic', 'members/', q('search=Марія'));
a('members-order-email', 'members/', q('order=email asc&limit=10'));
a('members-page-3', 'members/', q('limit=20&page=3'));
a('members-read-id', 'members/{{id:members:anna.shevchuk0@readers.example}}/');
a('members-read-unknown-404', 'members/000000000000000000000000/');
a('members-csv-export', 'members/upload/', q('limit=all'));
a('members-csv-export-filtered', 'members/upload/', q('filter=label:press-pass&limit=all'));
a('labels-browse', 'labels/', q('limit=all'));
a('labels-read-slug', 'labels/slug/press-pass/');
a('labels-read-id', 'labels/{{id:labels:donor-2025}}/');
// newsletters, tiers, offers, settings, site
a('newsletters-browse', 'newsletters/');
a('newsletters-filter-active', 'newsletters/', q('filter=status:active'));
a('newsletters-include-counts', 'newsletters/', q('include=count.posts,count.members'));
a('newsletters-read-id', 'newsletters/{{id:newsletters:weekend-long-read}}/');
a('tiers-browse', 'tiers/');
a('tiers-filter-paid-active', 'tiers/', q('filter=type:paid+active:true'));
a('tiers-include-prices-benefits', 'tiers/', q('include=monthly_price,yearly_price,benefits'));
a('tiers-read-id', 'tiers/{{id:tiers:sustainer}}/');
a('offers-browse', 'offers/');
a('offers-read-id', 'offers/{{id:offers:anniversary}}/');
a('settings-browse', 'settings/');
a('site-no-auth', 'site/', [], {auth: 'none'});
a('site-with-token', 'site/');
a('site-no-accept-version', 'site/', [], {auth: 'none', headers: {'Accept-Version': null}});
// admin errors
a('error-no-auth', 'posts/', q('limit=1'), {auth: 'none'});
a('error-expired-token', 'posts/', q('limit=1'), {auth: 'token-expired'});
a('error-unknown-kid', 'posts/', q('limit=1'), {auth: 'token-unknown-kid'});
a('error-bad-signature', 'posts/', q('limit=1'), {auth: 'token-bad-signature'});
a('error-wrong-audience', 'posts/', q('limit=1'), {auth: 'token-wrong-audience'});
a('error-no-kid', 'posts/', q('limit=1'), {auth: 'token-no-kid'});
a('error-bearer-scheme', 'posts/', q('limit=1'), {auth: 'token-bearer-scheme'});
a('error-lowercase-scheme-ok', 'posts/', q('limit=1&fields=slug'), {auth: 'token-lowercase-scheme'});
a('error-content-key-on-admin', 'posts/', [['key', '{{content_key}}'], ['limit', '1']], {auth: 'none'});
a('error-bad-filter', 'posts/', q('filter=(status:draft'));
a('error-unknown-resource', 'bogus/');
a('error-unknown-resource-no-accept-version', 'bogus/', [], {headers: {'Accept-Version': null}});
a('error-limit-abc', 'posts/', q('limit=abc&fields=slug'));

module.exports = reqs;

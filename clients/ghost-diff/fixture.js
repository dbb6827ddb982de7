// The fixture site's content: a fictional English-language independent newsroom,
// The Lantern Dispatch, reporting from the (fictional) city of Lodvyn in war time.
// Everything here is fixed: no randomness, no clock. seed.js turns it into Admin API calls.
'use strict';

const site = {
    title: 'The Lantern Dispatch',
    description: 'Independent reporting from Lodvyn and the river towns, in English, every day of the war.',
    timezone: 'Europe/Kyiv',
    locale: 'en',
    accent_color: '#1d3557',
    meta_title: 'The Lantern Dispatch: independent news from Lodvyn',
    meta_description: 'Reporting, data and long reads from an independent newsroom in Lodvyn.',
    og_title: 'The Lantern Dispatch',
    og_description: 'Independent reporting from Lodvyn and the river towns.',
    twitter_title: 'The Lantern Dispatch',
    twitter_description: 'News from Lodvyn, checked twice.',
    facebook: 'lanterndispatch',
    twitter: '@lanterndispatch',
    navigation: [
        {label: 'Home', url: '/'},
        {label: 'City', url: '/tag/city/'},
        {label: 'Frontline', url: '/tag/frontline/'},
        {label: 'Data', url: '/tag/data/'},
        {label: 'About', url: '/about/'},
    ],
    secondary_navigation: [
        {label: 'Support us', url: '/support/'},
        {label: 'Corrections', url: '/corrections/'},
        {label: 'Contact', url: '/contact/'},
    ],
};

// Staff. The owner is the site's existing owner account (renamed); the others are created.
const staff = [
    {key: 'olena', name: 'Olena Marchuk', slug: 'olena-marchuk', role: 'Owner',
        bio: 'Founding editor. Covered the city council for eleven years before the war turned it into a crisis cabinet.',
        location: 'Lodvyn', website: 'https://example.org/olena', twitter: '@olenamarchuk', facebook: 'olena.marchuk',
        profile_image: 'portrait-a.jpg', cover_image: 'night-shift.jpg'},
    {key: 'taras', name: 'Taras Hnatiuk', slug: 'taras-hnatiuk', email: 'taras@lantern.example', role: 'Editor',
        bio: 'News editor. Runs the morning meeting and the corrections log.',
        location: 'Lodvyn', twitter: '@tarash', website: 'https://example.org/taras'},
    {key: 'maya', name: 'Maya Ellison', slug: 'maya-ellison', email: 'maya@lantern.example', role: 'Author',
        bio: 'Correspondent on the frontline road and the river towns. Previously a wire reporter.',
        location: 'Lodvyn and on the road', twitter: '@mayaellison', profile_image: 'portrait-b.jpg'},
    {key: 'dmytro', name: 'Dmytro Savchenko', slug: 'dmytro-savchenko', email: 'dmytro@lantern.example', role: 'Author',
        bio: 'Photographer. Works mostly at night, mostly on foot.',
        location: 'Lodvyn', facebook: 'dmytro.savchenko.photo'},
    {key: 'iryna', name: 'Iryna Kovalenko', slug: 'iryna-kovalenko', email: 'iryna@lantern.example', role: 'Author',
        bio: 'Translator and reporter. Edits the English edition and writes about schools.',
        location: 'Lodvyn'},
    {key: 'sam', name: 'Sam Okafor', slug: 'sam-okafor', email: 'sam@lantern.example', role: 'Editor',
        bio: 'Data editor. If there is a spreadsheet, he has already cleaned it.',
        location: 'Remote', website: 'https://example.org/sam', twitter: '@samokafor'},
    {key: 'yulia', name: 'Yulia Bondar', slug: 'yulia-bondar', email: 'yulia@lantern.example', role: 'Administrator',
        bio: null, location: null},
];

// Tags. `#` names are internal. Order of creation is the order here.
const tags = [
    {name: 'City', slug: 'city', description: 'Life in Lodvyn: services, streets, neighbours.', accent_color: '#1d3557',
        feature_image: 'city-hall.jpg', meta_title: 'City news from Lodvyn', meta_description: 'Services, streets and neighbours in Lodvyn.'},
    {name: 'Frontline', slug: 'frontline', description: 'Reporting from the front and the roads that lead to it.',
        feature_image: 'river-crossing.jpg', og_title: 'Frontline reporting'},
    {name: 'Economy', slug: 'economy', description: 'Wages, prices, markets and the grain trade.'},
    {name: 'Politics', slug: 'politics', description: 'Council, parliament and the law in war time.'},
    {name: 'Culture', slug: 'culture', description: 'Music, books, theatre and the people who keep them going.', accent_color: '#b5651d'},
    {name: 'Health', slug: 'health', description: 'Hospitals, clinics and public health.'},
    {name: 'Education', slug: 'education', description: 'Schools, exams and teachers.'},
    {name: 'Transport', slug: 'transport', description: 'Trains, trams, ferries and roads.'},
    {name: 'Energy', slug: 'energy', description: 'Power cuts, heating and generators.'},
    {name: 'Data', slug: 'data', description: 'Our data desk: numbers, maps and methods.', feature_image: 'grain-terminal.jpg',
        canonical_url: 'https://example.org/data-desk/'},
    {name: 'Investigations', slug: 'investigations', description: 'Long-running investigations by our reporters.'},
    {name: 'Opinion', slug: 'opinion', description: 'Signed opinion from staff and guests.'},
    {name: 'Photo essay', slug: 'photo-essay', description: 'Stories told mostly in pictures.'},
    {name: 'Explainers', slug: 'explainers', description: 'What it means and why it matters.'},
    {name: 'Sport', slug: 'sport', description: null},
    {name: 'Newsroom', slug: 'newsroom', description: 'How we work.'},
    {name: 'Long reads', slug: 'long-reads', description: 'Stories worth a quiet evening.'},
    {name: 'Humanitarian aid', slug: 'humanitarian-aid', description: 'Aid, volunteers and the supply lines.'},
    {name: 'Українською', description: 'Stories with a Ukrainian-language edition.'},
    {name: 'Archive 2024', slug: 'archive-2024', description: 'Stories from before this site moved. No posts yet.'},
    {name: '#standards', description: 'Internal: editorial standards notes.'},
    {name: '#wire', description: 'Internal: based on wire copy.'},
    {name: '#homepage-pin'},
    {name: '#syndicated', description: 'Internal: republished by partners.'},
];

// Paragraph pools, by desk. Posts take paragraphs from them by index.
const pools = {
    city: [
        'The city administration said the work would be finished before the first frost, but residents on the left bank have heard similar promises before. Several told us they had stopped counting the deadlines.',
        'At the district office, the queue started forming before seven in the morning. Most people were there to register damage to their flats; a few had come simply to ask when the heating would come back.',
        'Officials did not give a figure for the total cost. A council member who asked not to be named because she was not authorised to speak said the estimate had doubled since spring.',
        'Neighbours have organised their own rota: one person per stairwell checks on the elderly residents every evening and writes down what they need in a shared notebook.',
        'The old town looks almost ordinary in daylight. The cafés put their chairs out, the trams run on time, and only the sandbags around the monuments say otherwise.',
    ],
    front: [
        'The road east is open for most of the day, but drivers are told to keep moving and not to stop near the bridges. Our reporter travelled it in a volunteer van carrying insulin and batteries.',
        'Soldiers at the checkpoint asked for documents and then, almost apologetically, for cigarettes. Nobody wanted to talk about the last week on the record.',
        'In the village school, now a distribution point, a chalkboard still lists the timetable for a Thursday two years ago.',
        'We could not independently confirm the number of casualties. The regional military administration gave one figure; the village head gave another, and both said the count was not final.',
        'By dusk the convoy was back on the main road. The driver, a retired bus mechanic, said he had done the trip forty-one times and had stopped being afraid of the noise somewhere around the tenth.',
    ],
    economy: [
        'Prices rose fastest for the things people cannot do without: bread, cooking oil and fuel for generators. Rents, by contrast, fell in most districts for the second quarter running.',
        'Wages at the terminal have not been paid in full since August. The company blames delayed payments from buyers abroad; the union says the money has been spent elsewhere.',
        'Traders at the central market say they have learned to buy in small quantities and to sell quickly. Nobody keeps much stock in a warehouse that might not be there next week.',
        'The regional employment office lists more vacancies than it did a year ago, most of them in construction and repair. Few of them pay enough to cover a family rent.',
        'Economists we spoke to were cautious. One said the figures described a city that had adapted, not one that had recovered.',
    ],
    culture: [
        'The rehearsal began forty minutes late because of an air raid alert, and nobody mentioned it. The conductor simply raised her hand and the choir started again from the second verse.',
        'The collection was packed into two hundred boxes, moved west, brought back, and is now being unpacked for the second time. The curator keeps a list of what is still missing.',
        'Tickets sold out in an hour. The organisers say people want a reason to put on a good coat and go out in the evening, even if the concert is in a basement.',
        'Most of the books on the shelves were donated by readers. The librarian says the most requested titles this year were cookbooks and atlases.',
        'The festival will go ahead in a smaller form, with every event within five minutes of a shelter.',
    ],
    data: [
        'We built the dataset from council minutes, procurement records and our own site visits. Where sources disagreed, we used the lower figure and marked the difference.',
        'The numbers come with caveats. Reporting is incomplete for the districts closest to the front, and some facilities were counted twice in the official register.',
        'Our spreadsheet and the method notes are published alongside this story. If you find an error, write to the data desk and we will correct it and say so.',
        'Taken together, the figures show a slow improvement since the spring, with a sharp drop in October that officials attribute to the attacks on the grid.',
        'The median figure is more useful here than the average, which is pulled upwards by a handful of very large sites in the north of the city.',
    ],
    newsroom: [
        'Every strike report we publish has been confirmed by at least two independent sources, one of which must have been on the scene or seen original material.',
        'We do not publish the exact location of air defence positions, shelters in use or the movement of troops, even when others do.',
        'When we get something wrong, we correct it at the top of the story and log the change on our corrections page, with the date.',
        'Our English edition is translated and edited by the same team that reports the stories, so questions about a translation go to the reporter.',
        'Members pay for most of this work. Advertising covers less than a tenth of our costs, and we take no money from political parties.',
    ],
};
const headings = ['What happens next', 'The numbers', 'Why it matters', 'On the ground', 'What officials say', 'How we reported this'];
const quotes = [
    'We are not heroes. We are people who did not leave, and somebody has to open the shop in the morning.',
    'The sirens are the same every night. What changes is how tired you are when you hear them.',
    'Write it down exactly as I said it. People should know that the pipes froze in three days.',
    'I stopped reading the news. Now I read the schedule for the power cuts.',
];
const lists = [
    ['Register damage at the district office or online', 'Keep copies of every document', 'Ask for a reference number and write it down'],
    ['Bread: up 14 per cent', 'Cooking oil: up 9 per cent', 'Generator fuel: up 22 per cent', 'One-room flat rent: down 6 per cent'],
    ['Two independent sources', 'Original photographs or video checked for time and place', 'A call to the authorities for comment'],
];

// Posts. authors: staff keys in byline order. tags: names in order (first public tag is primary).
// visibility: public | members | paid | tiers (tiers: tier keys). date: local Kyiv time, stored as UTC.
// image: feature image file; body_image: an image card in the body; gate: a members-only marker after the lede;
// meta: SEO and social fields as Ghost names them.
const posts = [
    {title: 'Night trains resume on the western line after three weeks of repairs', date: '2025-03-03T06:40:00Z',
        authors: ['taras'], tags: ['Transport', 'City'], pool: 'city',
        lede: 'The first night train since the bridge repairs left Lodvyn central station on Sunday at 22:10, twelve minutes late and almost full.',
        excerpt: 'The first night train since the bridge repairs left on time, almost.', image: 'river-crossing.jpg',
        image_alt: 'A train crossing the river bridge at dusk', image_caption: 'The repaired bridge on the western line. Photo: <a href="https://example.org/dmytro">Dmytro Savchenko</a>'},
    {title: 'Shelter capacity in Lodvyn\'s schools: what the inspection found', date: '2025-03-09T08:00:00Z',
        authors: ['sam', 'iryna'], tags: ['Data', 'Education', 'City'], pool: 'data', featured: true,
        lede: 'Four in ten school shelters inspected this winter could hold fewer pupils than the school enrols, according to inspection reports we obtained.',
        body_image: 'chart-shelter-capacity.png', body_image_alt: 'Bar chart of shelter capacity by district', list: 1},
    {title: 'The bakers who never closed', date: '2025-03-15T07:15:00Z', authors: ['dmytro'], tags: ['Culture', 'Photo essay', 'City'],
        pool: 'culture', image: 'night-shift.jpg', image_alt: 'Bakers at work under a single lamp', image_caption: 'The night shift at the bakery on Mlynova Street.',
        lede: 'The bakery on Mlynova Street has opened every morning of the war, including the three days without power, when the loaves were baked in a wood oven borrowed from a museum.'},
    {title: 'River crossing reopens to civilian traffic at dawn', date: '2025-03-21T04:05:00Z', authors: ['maya'], tags: ['Frontline', 'Transport'],
        pool: 'front', featured: true, image: 'river-crossing.jpg', image_alt: 'Cars queueing at the river crossing',
        lede: 'Civilian cars were allowed back onto the pontoon crossing south of the city at 06:00 on Friday, after eleven days in which only military and aid vehicles could use it.'},
    {title: 'City council approves emergency heating budget', date: '2025-03-27T14:30:00Z', authors: ['olena'], tags: ['Politics', 'Energy', 'City'],
        pool: 'city', excerpt: 'The vote passed 31 to 4 after a four-hour session.',
        lede: 'Lodvyn city council voted on Thursday to move money from road repairs to the heating network, after a session that ran four hours and was interrupted twice by alerts.'},
    {title: 'How we verify strike reports before we publish', date: '2025-04-02T09:00:00Z', authors: ['taras', 'olena'], tags: ['#standards', 'Newsroom', 'Explainers'],
        pool: 'newsroom', list: 2,
        lede: 'Readers often ask why we are slower than social media to report a strike. This is how a report moves from a message on a phone to a story on this site.'},
    {title: 'Grain terminal workers strike over unpaid wages', date: '2025-04-08T11:20:00Z', authors: ['maya', 'sam'], tags: ['Economy', '#wire'],
        pool: 'economy', image: 'grain-terminal.jpg', image_alt: 'Silos at the grain terminal',
        lede: 'About three hundred workers at the river grain terminal stopped work on Tuesday morning, saying they had received less than half of their wages since August.'},
    {title: 'Letters from the night shift at Regional Hospital No. 2', date: '2025-04-14T19:45:00Z', authors: ['iryna'], tags: ['Health', 'Long reads'],
        pool: 'city', visibility: 'members', gate: true, excerpt: 'Nurses and doctors wrote to us about one night in April.',
        lede: 'We asked the staff of the night shift to write down one night, in their own words. Seven of them did.'},
    {title: 'Evacuation buses: who decides the routes?', date: '2025-04-20T08:10:00Z', authors: ['maya'], tags: ['Investigations', 'Frontline', 'Humanitarian aid'],
        pool: 'front', visibility: 'paid', gate: true,
        lede: 'The routes of the evacuation buses are decided in a room most residents have never heard of, by officials whose names are not published.'},
    {title: 'Київ після ночі: a photo essay', slug: 'київ-після-ночі', date: '2025-04-26T05:30:00Z', authors: ['dmytro'], tags: ['Photo essay', 'Українською'],
        pool: 'culture', image: 'night-shift.jpg', image_alt: 'A street in the capital at first light', image_caption: 'Morning after the alert.',
        lede: 'Our photographer spent a week in the capital and walked its streets each morning after the night alerts ended.'},
    {title: 'Школа у підвалі', date: '2025-05-02T07:00:00Z', authors: ['iryna'], tags: ['Українською', 'Education'],
        pool: 'city', excerpt: 'Уроки під землею: як працює школа в укритті.',
        lede: 'In the basement of School No. 14 the lessons run to a timetable, the bell is a phone alarm and the gym is a corridor.'},
    {title: 'Power cuts schedule changes again for the left bank', date: '2025-05-08T16:00:00Z', authors: ['taras'], tags: ['Energy', 'City', '#wire'],
        pool: 'city', list: 0,
        lede: 'The grid operator has published a new schedule of rolling power cuts for the left bank, the third change in a fortnight.'},
    {title: 'Volunteers map every generator in the old town', date: '2025-05-14T10:25:00Z', authors: ['sam', 'dmytro'], tags: ['Data', 'Energy'],
        pool: 'data', body_image: 'chart-shelter-capacity.png', body_image_alt: 'Chart of generators by street',
        lede: 'A group of students has spent the spring walking every street of the old town and recording each generator they could see or hear.'},
    {title: 'Q&A: the mayor on rebuilding the tram depot', date: '2025-05-20T12:00:00Z', authors: ['olena'], tags: ['Politics', 'Transport'],
        pool: 'city', quote: 0,
        lede: 'We sat down with the mayor for forty minutes to ask about the tram depot, the heating budget and the elections that are not happening.'},
    {title: 'Market prices in May: bread, fuel and rent', date: '2025-05-26T09:30:00Z', authors: ['sam'], tags: ['Data', 'Economy'],
        pool: 'economy', list: 1, excerpt: 'Our monthly basket: what went up, what came down.',
        lede: 'Our monthly basket of twenty items cost 4 per cent more in May than in April, driven almost entirely by fuel.'},
    {title: 'Café Zoë reopens with a menu of five dishes', date: '2025-06-01T08:45:00Z', authors: ['iryna'], tags: ['Culture', 'City'],
        pool: 'culture',
        lede: 'Café Zoë, the small restaurant behind the opera house, reopened on Saturday with five dishes on the menu and a generator in the courtyard.'},
    {title: 'The archive that moved twice', date: '2025-06-07T13:10:00Z', authors: ['maya', 'iryna'], tags: ['Culture', 'Long reads'],
        pool: 'culture', visibility: 'members', image: 'city-hall.jpg', image_alt: 'Archive boxes stacked in a hall',
        lede: 'The city archive has been packed up and sent west once, brought back, and is now being unpacked by two archivists and a volunteer who used to be a bank clerk.'},
    {title: 'Football returns to the municipal stadium — without spectators', date: '2025-06-13T17:00:00Z', authors: ['taras'], tags: ['Sport', 'City'],
        pool: 'city',
        lede: 'The first league match in Lodvyn for two years was played on Friday evening in an empty stadium, with the sound of the crowd replaced by a radio commentary over the loudspeakers.'},
    {title: 'Drone alerts: what the new siren tones mean', date: '2025-06-19T06:00:00Z', authors: ['taras', 'sam'], tags: ['Explainers', 'City'],
        pool: 'newsroom', featured: true, list: 0, excerpt: 'Two tones, one meaning: go to shelter.',
        lede: 'From Monday, the city sirens will use a second tone for drone attacks. Here is what changes and what does not.'},
    {title: 'Inside the volunteer kitchen feeding 900 people a day', date: '2025-06-25T11:40:00Z', authors: ['dmytro', 'maya'], tags: ['Humanitarian aid', 'City'],
        pool: 'city', visibility: 'tiers', tiers: ['sustainer', 'patron'], gate: true, image: 'grain-terminal.jpg', image_alt: 'Pots on a long stove',
        lede: 'The kitchen in the former school canteen starts cooking at five. By noon, nine hundred portions have gone out in vans to the river towns.'},
    {title: 'Ministry of Education delays exam dates by a month', date: '2025-07-01T10:00:00Z', authors: ['iryna'], tags: ['Education', '#wire'],
        pool: 'city',
        lede: 'School-leaving exams will start on 1 July instead of 1 June, the ministry said on Tuesday, citing the security situation in the east.'},
    {title: 'Opinion: keep the libraries open through winter', date: '2025-07-07T15:00:00Z', authors: ['olena'], tags: ['Opinion', 'Culture'],
        pool: 'culture', quote: 3, excerpt: 'A warm room with books is infrastructure too.',
        lede: 'A library with a generator, a kettle and a reading room is the cheapest shelter the city can run, and it is about to close four of them.'},
    {title: 'Reporters\' notebook: twelve hours on the frontline road', date: '2025-07-13T04:20:00Z', authors: ['maya', 'dmytro', 'taras'], tags: ['Frontline', 'Long reads'],
        pool: 'front', visibility: 'paid', gate: true, image: 'river-crossing.jpg', image_alt: 'A van on an empty road', image_caption: 'Leaving the city at 05:00.',
        lede: 'We left Lodvyn at five in the morning with a list of eleven stops and came back after dark having made nine of them.'},
    {title: 'Corrections policy update', date: '2025-07-19T09:00:00Z', authors: ['taras'], tags: ['#standards', '#homepage-pin', 'Newsroom'],
        pool: 'newsroom',
        lede: 'From this month, every correction we make will be logged on a public page with the date and what changed.'},
    {title: 'Who owns the empty buildings on Soborna Street?', date: '2025-07-25T08:00:00Z', authors: ['sam', 'maya'], tags: ['Investigations', 'City', 'Data'],
        pool: 'data', visibility: 'paid', gate: true,
        lede: 'Eleven buildings on Soborna Street have stood empty since the first winter of the war. We traced who owns them.'},
    {title: 'Children\'s choir records an album in a metro station', date: '2025-07-31T14:15:00Z', authors: ['dmytro'], tags: ['Culture'],
        pool: 'culture', quote: 1, image: 'night-shift.jpg', image_alt: 'Children singing on a metro platform',
        lede: 'The city children\'s choir has recorded its first album, on a metro platform, between the last train and the first.'},
    {title: 'Rents fall on the east bank as families leave', date: '2025-08-06T09:00:00Z', authors: ['sam'], tags: ['Economy', 'Data', 'City'],
        pool: 'economy', list: 1,
        lede: 'The average rent for a one-room flat on the east bank fell by a tenth over the summer, according to listings we collected each week.'},
    {title: 'Water supply restored to 40,000 homes', date: '2025-08-12T18:30:00Z', authors: ['taras'], tags: ['City', '#wire'],
        pool: 'city', excerpt: 'Engineers worked through the night on the main pipe.',
        lede: 'Running water came back to about 40,000 homes in the northern districts on Tuesday evening, two days after the main pipe was damaged.'},
    {title: 'What a ceasefire rumour did to the city\'s petrol queues', date: '2025-08-18T10:50:00Z', authors: ['maya'], tags: ['Economy', 'Frontline'],
        pool: 'economy',
        meta: {canonical_url: 'https://example.org/partners/petrol-queues/', twitter_description: 'Queues, a rumour and a denial.'},
        lede: 'A rumour that spread on Monday morning sent hundreds of drivers to petrol stations within an hour. By the afternoon it had been denied, and the queues were still there.'},
    {title: 'Ukrainian-language courses fill up for adults', date: '2025-08-24T07:30:00Z', authors: ['iryna'], tags: ['Education', 'Українською', 'Culture'],
        pool: 'culture',
        lede: 'Free evening courses in Ukrainian for adults opened for registration on Friday. All 600 places went by Sunday.'},
    {title: 'The ferry pilot who knows every sandbank', date: '2025-08-30T06:15:00Z', authors: ['dmytro', 'maya'], tags: ['Long reads', 'Transport'],
        pool: 'front', visibility: 'members', image: 'river-crossing.jpg', image_alt: 'A ferry pilot at the wheel',
        lede: 'He has piloted the river ferry for thirty-two years. Since the bridge went down, he has also been the only way across for half the village.'},
    {title: 'Hospital generators: a year of fuel in numbers', date: '2025-09-05T08:20:00Z', authors: ['sam', 'iryna'], tags: ['Data', 'Health', 'Energy'],
        pool: 'data', visibility: 'members', gate: true, body_image: 'chart-shelter-capacity.png', body_image_alt: 'Fuel use by month',
        lede: 'The city\'s hospitals burned through more than 1.2 million litres of diesel in twelve months to keep their generators running.'},
    {title: 'Elections postponed: what the law says', date: '2025-09-11T11:00:00Z', authors: ['olena', 'taras'], tags: ['Politics', 'Explainers'],
        pool: 'newsroom', excerpt: 'Martial law, the constitution and the calendar.',
        lede: 'The local elections that should have taken place this autumn will not. Here is what the law says about when they can.'},
    {title: 'Weekend reading: the long way home', date: '2025-09-17T16:00:00Z', authors: ['maya'], tags: ['Long reads', 'Frontline'],
        pool: 'front', visibility: 'tiers', tiers: ['patron'], image: 'night-shift.jpg', image_alt: 'A road at night',
        lede: 'Three families, one road and a journey home that took eleven days.'},
    {title: 'Style notes: why we avoid emoji in headlines ✍️', date: '2025-09-23T09:10:00Z', authors: ['iryna', 'taras'], tags: ['#standards', 'Newsroom'],
        pool: 'newsroom',
        lede: 'A reader asked why we never use emoji in our headlines. The short answer is that they do not translate.'},
    {title: 'Tram line 4 runs again — on a shorter route', date: '2025-09-29T05:50:00Z', authors: ['taras'], tags: ['Transport', 'City'],
        pool: 'city',
        lede: 'Tram line 4 returned on Monday morning, stopping three stops short of the depot that was hit in March.'},
    {title: 'The translators behind our English edition', date: '2025-10-05T12:00:00Z', authors: ['iryna', 'olena', 'sam'], tags: ['Newsroom', '#syndicated'],
        pool: 'newsroom',
        lede: 'Every story on this site is written in Ukrainian first. This is the team that turns it into English by the next morning.'},
    {title: 'Air quality after the depot fire', date: '2025-10-11T13:40:00Z', authors: ['sam'], tags: ['Health', 'Data'],
        pool: 'data', list: 1,
        lede: 'Air quality sensors in three districts recorded particle levels four times the safe limit for two days after the fuel depot fire.'},
    {title: 'Teachers\' pay: a promise and a deadline', date: '2025-10-17T08:00:00Z', authors: ['iryna'], tags: ['Education', 'Politics'],
        pool: 'economy', visibility: 'members',
        lede: 'The government has promised teachers a pay rise from January. The budget that would pay for it has not been passed.'},
    {title: 'Mapping damaged homes with open data', date: '2025-10-23T10:00:00Z', authors: ['sam', 'dmytro'], tags: ['Data', 'City', 'Investigations'],
        pool: 'data', featured: true, image: 'city-hall.jpg', image_alt: 'A map of the city with marked buildings', body_image: 'chart-shelter-capacity.png', body_image_alt: 'Damaged homes by district',
        lede: 'We mapped every home reported damaged in Lodvyn since the start of the full-scale invasion, using the city\'s open register and our own checks.'},
    {title: 'Farmers count the cost of mined fields', date: '2025-10-29T07:10:00Z', authors: ['maya'], tags: ['Economy', 'Frontline'],
        pool: 'economy', visibility: 'paid', gate: true,
        lede: 'A third of the farmland in the district cannot be worked until it has been cleared of mines, and clearing it will take years.'},
    {title: 'Live music at the shelter: a review', date: '2025-11-04T19:00:00Z', authors: ['iryna'], tags: ['Culture', 'Opinion'],
        pool: 'culture', excerpt: 'Three bands, one basement, no encores allowed after the alert.',
        lede: 'The concert in the shelter under the drama theatre was the best thing we heard this year, and we heard it twice because of the alert.'},
    {title: 'Curfew hours change from Monday', date: '2025-11-10T15:30:00Z', authors: ['taras'], tags: ['City', '#wire', '#homepage-pin'],
        pool: 'city',
        lede: 'The curfew in Lodvyn will start at midnight instead of 23:00 from Monday, the regional military administration said.'},
    {title: 'Investigation: the missing humanitarian fuel, part one', slug: 'missing-fuel-part-one', date: '2025-11-16T06:00:00Z',
        authors: ['maya', 'sam', 'olena'], tags: ['Investigations', 'Humanitarian aid', 'Data'],
        pool: 'data', visibility: 'paid', featured: true, gate: true, image: 'grain-terminal.jpg', image_alt: 'Fuel tanks behind a fence',
        image_caption: 'A fuel depot on the southern edge of the city.', quote: 2,
        excerpt: 'Where did 300,000 litres of donated diesel go?',
        meta: {meta_title: 'The missing humanitarian fuel (part one)', meta_description: 'An investigation into 300,000 litres of donated diesel.',
            og_title: 'Where did the donated diesel go?', og_description: 'Part one of our investigation.', twitter_title: 'The missing fuel, part one'},
        lede: 'Over six months, at least 300,000 litres of diesel donated for hospitals and shelters did not arrive where the paperwork says it did.'},
    {title: 'Investigation: the missing humanitarian fuel, part two', slug: 'missing-fuel-part-two', date: '2025-11-23T06:00:00Z',
        authors: ['sam', 'olena', 'maya'], tags: ['#syndicated', 'Investigations', 'Humanitarian aid'],
        pool: 'data', visibility: 'paid', gate: true,
        excerpt: 'The companies, the contracts and the people who signed them.',
        lede: 'In the second part of our investigation we follow the contracts: three companies, one address and a signature that appears on all of them.'},
    {title: 'A quiet Sunday in the river towns', date: '2025-11-28T10:00:00Z', authors: ['dmytro'], tags: [],
        pool: 'front',
        lede: 'For once, nothing happened. We went anyway, and photographed what nothing looks like in the river towns.'},
];

const scheduled = [
    {title: 'Five years on: the city that kept its lights on', slug: 'five-years-on', date: '2031-02-24T06:00:00Z', status: 'scheduled',
        authors: ['olena', 'taras'], tags: ['Long reads', 'City'], pool: 'city',
        lede: 'This story is scheduled for the fifth anniversary and will be updated before it is published.'},
];

const drafts = [
    {title: 'Budget hearing notes', status: 'draft', authors: ['olena'], tags: ['Politics'], pool: 'city',
        lede: 'Notes from the budget hearing, to be turned into a story once the figures are confirmed.'},
    {title: 'Чернетка: репортаж з вокзалу', status: 'draft', authors: ['iryna'], tags: ['Українською'], pool: 'city',
        lede: 'A draft report from the central station, waiting for the photographs.'},
    {title: 'Embargoed: hospital funding figures', status: 'draft', authors: ['sam'], tags: ['Health', 'Data'], pool: 'data', visibility: 'paid',
        lede: 'Embargoed until the ministry publishes the figures.'},
];

const pages = [
    {title: 'About The Lantern Dispatch', slug: 'about', date: '2024-12-01T09:00:00Z', authors: ['olena'], pool: 'newsroom',
        lede: 'The Lantern Dispatch is an independent newsroom in Lodvyn, founded by reporters who stayed when the war came to the city.',
        image: 'lantern-mark.png', image_alt: 'The Lantern Dispatch mark'},
    {title: 'Contact the newsroom', slug: 'contact', date: '2024-12-02T09:00:00Z', authors: ['taras'], pool: 'newsroom',
        lede: 'Write to the desk at news@lantern.example. For anything sensitive, ask us first for a secure channel.'},
    {title: 'Support our reporting', slug: 'support', date: '2024-12-03T09:00:00Z', authors: ['olena'], pool: 'newsroom', featured: true,
        lede: 'Members pay for most of our reporting. Here is what your membership pays for.', excerpt: 'Become a member.'},
    {title: 'Corrections and clarifications', slug: 'corrections', date: '2025-07-19T09:30:00Z', authors: ['taras'], tags: ['#standards'], pool: 'newsroom',
        lede: 'This page lists every correction we have made since July 2025, newest first.'},
    {title: 'Ethics and standards', slug: 'ethics', date: '2025-01-10T09:00:00Z', authors: ['taras', 'olena'], pool: 'newsroom',
        lede: 'These are the rules we follow when we report, photograph and publish.'},
    {title: 'A guide for members', slug: 'member-guide', date: '2025-02-01T09:00:00Z', authors: ['yulia'], pool: 'newsroom', visibility: 'members',
        lede: 'Everything a member can do on this site, from newsletters to the monthly call with the editors.'},
    {title: 'Jobs at the Dispatch', slug: 'jobs', status: 'draft', authors: ['olena'], pool: 'newsroom',
        lede: 'We are not hiring right now. This page will list openings when we are.'},
];

// Tiers: the free tier and the default paid tier are renamed; the rest are created.
const tiers = [
    {key: 'free', name: 'Free', description: 'Newsletters and most of our reporting, free.', benefits: ['The daily newsletter', 'Comment on stories']},
    {key: 'supporter', name: 'Supporter', description: 'Keep the newsroom open.', monthly_price: 500, yearly_price: 5000, currency: 'EUR',
        benefits: ['Every story, no paywall', 'The weekend long read'], visibility: 'public'},
    {key: 'sustainer', name: 'Sustainer', description: 'Pay for a reporter\'s trip to the front.', monthly_price: 1200, yearly_price: 12000, currency: 'EUR',
        benefits: ['Everything in Supporter', 'The frontline brief', 'Monthly call with the editors'], visibility: 'public', welcome_page_url: '/member-guide/'},
    {key: 'patron', name: 'Patron', description: 'For those who can give more.', monthly_price: 3000, yearly_price: 30000, currency: 'EUR',
        benefits: ['Everything in Sustainer', 'Your name on the supporters page'], visibility: 'none'},
];

// Newsletters: the default one is renamed; the rest are created. The last one is archived.
const newsletters = [
    {key: 'daily', name: 'The Lantern Daily', slug: 'lantern-daily', description: 'The day\'s news from Lodvyn, every morning at seven.', subscribe_on_signup: true},
    {key: 'weekend', name: 'Weekend Long Read', slug: 'weekend-long-read', description: 'One long story, every Saturday.', subscribe_on_signup: false},
    {key: 'frontline', name: 'Frontline Brief', slug: 'frontline-brief', description: 'For paying members: what our correspondents saw this week.', subscribe_on_signup: false, visibility: 'paid'},
    {key: 'data', name: 'Data Desk Notes', slug: 'data-desk-notes', description: 'Retired: the data desk now writes in the daily.', subscribe_on_signup: false, archived: true},
];

// Members: generated from fixed lists (no randomness). Index-based rules decide labels, newsletters and notes.
// No complimentary or paid members: in Ghost both need a connected Stripe account.
const first = ['Anna', 'Bohdan', 'Chloe', 'Danylo', 'Elena', 'Femi', 'Galyna', 'Hugo', 'Ivanna', 'Jonas', 'Kateryna', 'Liam', 'Mariia', 'Noor', 'Oksana', 'Pavlo'];
const last = ['Shevchuk', 'Brennan', 'Lysenko', 'Moreau', 'Tkachenko', 'Adeyemi', 'Kravets', 'Lindqvist', 'Melnyk', 'Novak'];
const labelNames = ['Press pass', 'Donor 2025', 'Event: Lodvyn talks', 'Newsroom friend', 'Partner newsroom', 'Imported'];
function members() {
    const out = [];
    for (let i = 0; i < 64; i++) {
        const f = first[i % first.length];
        const l = last[(i * 3 + Math.floor(i / first.length)) % last.length];
        const m = {
            email: `${f.toLowerCase()}.${l.toLowerCase()}${i}@readers.example`,
            name: i % 13 === 5 ? null : `${f} ${l}`,
            note: i % 7 === 0 ? `Met at the reader evening, group ${1 + (i % 3)}.` : null,
            labels: [],
            newsletters: [],
            created_at: new Date(Date.UTC(2025, 0, 2, 9, 0, 0) + i * 4 * 86400000 + i * 611000).toISOString(),
        };
        if (i % 4 === 0) m.labels.push(labelNames[0]);
        if (i % 5 === 1) m.labels.push(labelNames[1]);
        if (i % 6 === 2) m.labels.push(labelNames[2]);
        if (i % 9 === 3) m.labels.push(labelNames[3]);
        if (i === 10 || i === 40) m.labels.push(labelNames[4]);
        if (i >= 56) m.labels.push(labelNames[5]);
        if (i % 8 !== 7) m.newsletters.push('daily');
        if (i % 3 === 0) m.newsletters.push('weekend');
        if (i % 10 === 4) m.newsletters.push('frontline');
        out.push(m);
    }
    // One member with a name in Cyrillic and one unsubscribed from everything.
    out[12].name = 'Марія Шевчук';
    out[33].newsletters = [];
    return out;
}

const offers = [
    {name: 'Winter appeal', code: 'winter-appeal', display_title: 'Winter appeal: 30% off', display_description: 'For the first three months.',
        type: 'percent', amount: 30, duration: 'repeating', duration_in_months: 3, cadence: 'month', tier: 'supporter'},
    {name: 'Anniversary year', code: 'anniversary', display_title: 'A year for the price of ten months', display_description: null,
        type: 'fixed', amount: 2000, duration: 'once', cadence: 'year', tier: 'sustainer', currency: 'EUR'},
];

module.exports = {site, staff, tags, pools, headings, quotes, lists, posts, scheduled, drafts, pages, tiers, newsletters, members, labelNames, offers};

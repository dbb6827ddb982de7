// Staff accounts the browser tests sign in with (created by the web server command).
module.exports.staff = {
  editor: { email: 'edna.editor@example.org', name: 'Edna Editor', role: 'editor', password: 'editor password 2026' },
  contributor: { email: 'cory.contributor@example.org', name: 'Cory Contributor', role: 'contributor', password: 'contributor password 2026' },
};

"""Online participation: stream links for the entitled, personal join links, the watch
page, the personal calendar feed, attendance and recordings."""
